using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using RouterGen.Cli.Reporting;
using Xunit;

namespace RouterGen.Cli.Tests
{
    public sealed class FrontierPlotTests
    {
        private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

        internal static string SwebenchLike() => FrontierPlot.RenderSvg(
            "swebench-verified: quality vs cost <10-fold CV>",
            [
                new PlotSeries("cost knob", [new(230, 0.752, "w=0"), new(150, 0.744), new(90, 0.72), new(40, 0.66, "w=0.5")]),
                new PlotSeries("shortfall τ", [new(220, 0.750), new(140, 0.742), new(60, 0.70)]),
            ],
            [
                new PlotPoint(230, 0.744, "gemini-3-pro-preview"),
                new PlotPoint(260, 0.742, "claude-4.5-opus-medium"),
                new PlotPoint(170, 0.728, "claude-4.5-sonnet"),
                new PlotPoint(2.5, 0.40, "gpt-oss-20b"),
                new PlotPoint(2.6, 0.41, "qwen3-coder"),
                new PlotPoint(12, 0.62, "deepseek & co"),
            ],
            new PlotPoint(120, 0.86),
            "total cost (USD)",
            "resolved rate");

        [Fact]
        public void Renders_well_formed_svg_with_series_legend_labels_and_oracle()
        {
            string svg = SwebenchLike();

            XDocument doc = XDocument.Parse(svg);
            Assert.Equal(Svg + "svg", doc.Root!.Name);
            var texts = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
            Assert.Contains("swebench-verified: quality vs cost <10-fold CV>", texts);
            Assert.Contains("cost knob", texts);
            Assert.Contains("shortfall τ", texts);
            Assert.Contains("gemini-3-pro-preview", texts);
            Assert.Contains("deepseek & co", texts);
            Assert.Contains("w=0.5", texts);
            Assert.Contains("oracle", texts);
            Assert.Contains("per-prompt oracle", texts);
            Assert.Contains("resolved rate", texts);
            Assert.Equal(2, doc.Descendants(Svg + "polyline").Count());

            // Costs span $2.5 to $260: the cost axis is logarithmic and says so.
            Assert.Contains("total cost (USD) (log scale)", texts);
            Assert.Contains("$100", texts);
        }

        [Fact]
        public void Single_model_labels_do_not_overlap_each_other()
        {
            XDocument doc = XDocument.Parse(SwebenchLike());
            var boxes = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "labels")
                .Elements(Svg + "text")
                .Select(t =>
                {
                    double x = double.Parse((string)t.Attribute("x")!, System.Globalization.CultureInfo.InvariantCulture);
                    double y = double.Parse((string)t.Attribute("y")!, System.Globalization.CultureInfo.InvariantCulture);
                    double size = double.Parse((string)t.Attribute("font-size")!, System.Globalization.CultureInfo.InvariantCulture);
                    return (X: x, Top: y - size, Right: x + (t.Value.Length * size * 0.6), Bottom: y, Text: t.Value);
                })
                .ToList();

            for (int i = 0; i < boxes.Count; i++)
            {
                for (int j = i + 1; j < boxes.Count; j++)
                {
                    bool overlap = boxes[i].X < boxes[j].Right && boxes[j].X < boxes[i].Right && boxes[i].Top < boxes[j].Bottom && boxes[j].Top < boxes[i].Bottom;
                    Assert.False(overlap, $"Labels '{boxes[i].Text}' and '{boxes[j].Text}' overlap.");
                }
            }
        }

        [Fact]
        public void Narrow_cost_range_uses_a_linear_axis_and_output_is_deterministic()
        {
            PlotSeries[] routers = [new PlotSeries("router", [new(1.0, 0.5), new(1.5, 0.6)])];
            PlotPoint[] singles = [new(1.2, 0.55, "m")];

            string first = FrontierPlot.RenderSvg("t", routers, singles, null, "cost", "quality");
            string second = FrontierPlot.RenderSvg("t", routers, singles, null, "cost", "quality");

            Assert.Equal(first, second);
            var texts = XDocument.Parse(first).Descendants(Svg + "text").Select(t => t.Value).ToList();
            Assert.Contains("cost", texts);
            Assert.DoesNotContain("cost (log scale)", texts);
            Assert.DoesNotContain("per-prompt oracle", texts);
        }

        [Fact]
        public void Legend_moves_away_from_points_in_the_bottom_right_corner()
        {
            // Expensive and poor models crowd the bottom right, a router curve runs through the bottom left, and the top
            // right holds the best model; only the top left is free.
            PlotPoint[] singles = [.. Enumerable.Range(0, 12).Select(i => new PlotPoint(8 + (i % 4 * 0.5), 0.1 + (i / 4 * 0.02), "m" + i)), new PlotPoint(9.5, 0.9, "best")];
            PlotSeries router = new("router", [new(1, 0.1), new(3, 0.3), new(9, 0.6)]);

            XDocument doc = XDocument.Parse(FrontierPlot.RenderSvg("t", [router], singles, null, "cost", "quality"));

            XElement legend = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend").Element(Svg + "rect")!;
            double x = double.Parse((string)legend.Attribute("x")!, System.Globalization.CultureInfo.InvariantCulture);
            double y = double.Parse((string)legend.Attribute("y")!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(x < 480 && y < 310, $"The legend is at ({x}, {y}), not in the top-left quarter, the only corner free of points and curves.");
        }

        [Fact]
        public void Empty_input_still_renders_axes()
        {
            string svg = FrontierPlot.RenderSvg("empty", [], [], null, "cost", "quality");

            Assert.Equal(Svg + "svg", XDocument.Parse(svg).Root!.Name);
        }

        [Fact]
        public void Non_finite_points_are_refused()
        {
            var e = Assert.Throws<ArgumentException>(() => FrontierPlot.RenderSvg("t", [], [new PlotPoint(double.NaN, 0.5, "broken")], null, "cost", "quality"));
            Assert.Contains("broken", e.Message);
        }

        /// <summary>Not a check: writes the sample plot where a person can render and look at it (ROUTERGEN_PLOT_OUT).</summary>
        [Fact]
        public void Writes_sample_plot_when_asked()
        {
            string? path = Environment.GetEnvironmentVariable("ROUTERGEN_PLOT_OUT");
            if (path is not null)
            {
                File.WriteAllText(path, SwebenchLike());
                Assert.True(File.Exists(path));
            }
        }
    }
}
