using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace RouterGen.Cli.Reporting
{
    /// <summary>One point of a quality-versus-cost plot: total (or mean) cost in USD and quality, with an optional label.</summary>
    /// <param name="CostUsd">Cost in USD (the x axis).</param>
    /// <param name="Quality">Quality, such as the resolved rate (the y axis).</param>
    /// <param name="Label">Text drawn next to the point, or null for none.</param>
    public sealed record PlotPoint(double CostUsd, double Quality, string? Label = null);

    /// <summary>A router's operating points (for example a knob sweep), drawn as one curve with a legend entry.</summary>
    /// <param name="Name">Legend text.</param>
    /// <param name="Points">The operating points; drawn in order of increasing cost.</param>
    public sealed record PlotSeries(string Name, IReadOnlyList<PlotPoint> Points);

    /// <summary>
    /// Renders the cost/quality frontier as a standalone SVG: routers as curves with a legend, single models as labelled
    /// points, and the per-prompt oracle as a star. The cost axis switches to a log scale when costs span more than a
    /// factor of <see cref="LogScaleRatio"/>. Output is deterministic (invariant culture, fixed layout).
    /// </summary>
    public static class FrontierPlot
    {
        /// <summary>Largest/smallest positive cost above which the cost axis is logarithmic.</summary>
        public const double LogScaleRatio = 20;

        private const double Width = 960;
        private const double Height = 620;
        private const double Left = 90;
        private const double Right = 30;
        private const double Top = 56;
        private const double Bottom = 72;
        private const double LabelFontSize = 11;
        private const double LegendFontSize = 12;

        private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

        /// <summary>Renders the plot.</summary>
        /// <param name="title">Plot title.</param>
        /// <param name="routers">Router curves; each gets a colour and a legend entry.</param>
        /// <param name="singleModels">One point per single model, labelled with <see cref="PlotPoint.Label"/>.</param>
        /// <param name="oracle">The per-prompt oracle, or null.</param>
        /// <param name="xLabel">Cost axis title (" (log scale)" is appended when the axis is logarithmic).</param>
        /// <param name="yLabel">Quality axis title.</param>
        /// <returns>The SVG document text.</returns>
        /// <exception cref="ArgumentException">A point has a NaN or infinite coordinate, or a log-scale cost is not positive.</exception>
        public static string RenderSvg(string title, IReadOnlyList<PlotSeries> routers, IReadOnlyList<PlotPoint> singleModels, PlotPoint? oracle, string xLabel, string yLabel)
        {
            ArgumentNullException.ThrowIfNull(title);
            ArgumentNullException.ThrowIfNull(routers);
            ArgumentNullException.ThrowIfNull(singleModels);
            ArgumentNullException.ThrowIfNull(xLabel);
            ArgumentNullException.ThrowIfNull(yLabel);

            var all = new List<PlotPoint>();
            foreach (PlotSeries series in routers)
            {
                all.AddRange(series.Points);
            }

            all.AddRange(singleModels);
            if (oracle is not null)
            {
                all.Add(oracle);
            }

            foreach (PlotPoint p in all)
            {
                if (!double.IsFinite(p.CostUsd) || !double.IsFinite(p.Quality))
                {
                    throw new ArgumentException($"Plot point '{p.Label ?? "(unlabelled)"}' has a non-finite coordinate ({p.CostUsd}, {p.Quality}).", nameof(routers));
                }
            }

            Axis x = all.Count == 0 ? Axis.Linear(0, 1) : Axis.ForCost(all.Select(p => p.CostUsd).ToList());
            Axis y = all.Count == 0 ? Axis.Linear(0, 1) : Axis.ForQuality(all.Select(p => p.Quality).ToList());
            var plot = new Rect(Left, Top, Width - Left - Right, Height - Top - Bottom);
            double Px(double cost) => plot.X + (x.Fraction(cost) * plot.Width);
            double Py(double quality) => plot.Y + plot.Height - (y.Fraction(quality) * plot.Height);

            var svg = new StringBuilder();
            svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(Width)}\" height=\"{N(Height)}\" viewBox=\"0 0 {N(Width)} {N(Height)}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n");
            svg.Append(CultureInfo.InvariantCulture, $"<title>{Escape(title)}</title>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"0\" y=\"0\" width=\"{N(Width)}\" height=\"{N(Height)}\" fill=\"#ffffff\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(Width / 2)}\" y=\"30\" text-anchor=\"middle\" font-size=\"18\" font-weight=\"bold\">{Escape(title)}</text>\n");

            // Grid and ticks.
            svg.Append("<g class=\"axes\" font-size=\"11\" fill=\"#333333\">\n");
            foreach (double tick in x.Ticks)
            {
                double px = Px(tick);
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(px)}\" y1=\"{N(plot.Y)}\" x2=\"{N(px)}\" y2=\"{N(plot.Bottom)}\" stroke=\"#e5e5e5\"/>\n");
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(px)}\" y1=\"{N(plot.Bottom)}\" x2=\"{N(px)}\" y2=\"{N(plot.Bottom + 5)}\" stroke=\"#333333\"/>\n");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(px)}\" y=\"{N(plot.Bottom + 19)}\" text-anchor=\"middle\">{Escape(x.FormatTick(tick, money: true))}</text>\n");
            }

            foreach (double tick in y.Ticks)
            {
                double py = Py(tick);
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(plot.X)}\" y1=\"{N(py)}\" x2=\"{N(plot.Right)}\" y2=\"{N(py)}\" stroke=\"#e5e5e5\"/>\n");
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(plot.X - 5)}\" y1=\"{N(py)}\" x2=\"{N(plot.X)}\" y2=\"{N(py)}\" stroke=\"#333333\"/>\n");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(plot.X - 8)}\" y=\"{N(py + 4)}\" text-anchor=\"end\">{Escape(y.FormatTick(tick, money: false))}</text>\n");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(plot.X)}\" y=\"{N(plot.Y)}\" width=\"{N(plot.Width)}\" height=\"{N(plot.Height)}\" fill=\"none\" stroke=\"#333333\"/>\n");
            string xTitle = x.IsLog ? xLabel + " (log scale)" : xLabel;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(plot.X + (plot.Width / 2))}\" y=\"{N(Height - 22)}\" text-anchor=\"middle\" font-size=\"13\">{Escape(xTitle)}</text>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"22\" y=\"{N(plot.Y + (plot.Height / 2))}\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 22 {N(plot.Y + (plot.Height / 2))})\">{Escape(yLabel)}</text>\n");
            svg.Append("</g>\n");

            // Markers are obstacles for labels; the legend box is reserved first so nothing is drawn under it.
            var placer = new LabelPlacer(plot);
            var markers = all.Select(p => new Rect(Px(p.CostUsd) - 5, Py(p.Quality) - 5, 10, 10)).ToList();
            if (oracle is not null)
            {
                // The star is larger than a circle.
                markers.Add(new Rect(Px(oracle.CostUsd) - 9, Py(oracle.Quality) - 9, 18, 18));
            }

            // Router curves are obstacles too: a label lying across a curve reads as belonging to it.
            foreach (PlotSeries series in routers)
            {
                PlotPoint[] points = series.Points.OrderBy(p => p.CostUsd).ToArray();
                for (int i = 0; i + 1 < points.Length; i++)
                {
                    markers.AddRange(SegmentBoxes(Px(points[i].CostUsd), Py(points[i].Quality), Px(points[i + 1].CostUsd), Py(points[i + 1].Quality)));
                }
            }

            Rect legend = LegendBox(routers, singleModels.Count > 0, oracle is not null, plot, markers);
            placer.Reserve(legend);
            foreach (Rect marker in markers)
            {
                placer.Reserve(marker);
            }

            var labels = new StringBuilder();
            for (int s = 0; s < routers.Count; s++)
            {
                string colour = Palette[s % Palette.Length];
                PlotPoint[] points = routers[s].Points.OrderBy(p => p.CostUsd).ToArray();
                svg.Append(CultureInfo.InvariantCulture, $"<g class=\"router\" data-name=\"{Escape(routers[s].Name)}\">\n");
                if (points.Length > 1)
                {
                    string path = string.Join(" ", points.Select(p => N(Px(p.CostUsd)) + "," + N(Py(p.Quality))));
                    svg.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.2\" stroke-linejoin=\"round\"/>\n");
                }

                foreach (PlotPoint p in points)
                {
                    svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(Px(p.CostUsd))}\" cy=\"{N(Py(p.Quality))}\" r=\"3.2\" fill=\"{colour}\"><title>{Escape(Tooltip(routers[s].Name, p))}</title></circle>\n");
                    if (p.Label is not null)
                    {
                        labels.Append(placer.Place(p.Label, Px(p.CostUsd), Py(p.Quality), LabelFontSize - 1, colour));
                    }
                }

                svg.Append("</g>\n");
            }

            svg.Append("<g class=\"single-models\">\n");
            foreach (PlotPoint p in singleModels)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(Px(p.CostUsd))}\" cy=\"{N(Py(p.Quality))}\" r=\"4.5\" fill=\"#ffffff\" stroke=\"#444444\" stroke-width=\"1.6\"><title>{Escape(Tooltip("single model", p))}</title></circle>\n");
                if (p.Label is not null)
                {
                    labels.Append(placer.Place(p.Label, Px(p.CostUsd), Py(p.Quality), LabelFontSize, "#333333"));
                }
            }

            svg.Append("</g>\n");
            if (oracle is not null)
            {
                double ox = Px(oracle.CostUsd), oy = Py(oracle.Quality);
                svg.Append(CultureInfo.InvariantCulture, $"<g class=\"oracle\"><path d=\"{Star(ox, oy, 8, 3.5)}\" fill=\"#daa520\" stroke=\"#8b6508\"><title>{Escape(Tooltip("oracle", oracle))}</title></path></g>\n");
                labels.Append(placer.Place(oracle.Label ?? "oracle", ox, oy, LabelFontSize, "#8b6508"));
            }

            svg.Append("<g class=\"labels\">\n").Append(labels).Append("</g>\n");
            svg.Append(Legend(routers, singleModels.Count > 0, oracle is not null, legend));
            svg.Append("</svg>\n");
            return svg.ToString();
        }

        private static string Tooltip(string series, PlotPoint p) =>
            $"{series}{(p.Label is null ? "" : " " + p.Label)}: cost ${p.CostUsd.ToString("0.####", CultureInfo.InvariantCulture)}, quality {p.Quality.ToString("0.####", CultureInfo.InvariantCulture)}";

        private static Rect LegendBox(IReadOnlyList<PlotSeries> routers, bool hasSingles, bool hasOracle, Rect plot, IReadOnlyList<Rect> markers)
        {
            int entries = routers.Count + (hasSingles ? 1 : 0) + (hasOracle ? 1 : 0);
            if (entries == 0)
            {
                return new Rect(plot.Right, plot.Bottom, 0, 0);
            }

            int longest = Math.Max(
                routers.Count == 0 ? 0 : routers.Max(r => r.Name.Length),
                Math.Max(hasSingles ? "single models".Length : 0, hasOracle ? "per-prompt oracle".Length : 0));
            double width = 44 + TextWidth(longest, LegendFontSize);
            double height = 12 + (entries * 20);

            // Bottom right first: on a quality-vs-cost plot that corner (expensive and poor) is usually empty. Otherwise
            // the corner that hides the fewest markers and curve pieces (ties keep the earlier corner).
            Rect[] corners =
            [
                new(plot.Right - width - 10, plot.Bottom - height - 10, width, height),
                new(plot.X + 10, plot.Bottom - height - 10, width, height),
                new(plot.Right - width - 10, plot.Y + 10, width, height),
                new(plot.X + 10, plot.Y + 10, width, height),
            ];
            Rect best = corners[0];
            int fewest = int.MaxValue;
            foreach (Rect corner in corners)
            {
                int hidden = markers.Count(m => m.Overlaps(corner));
                if (hidden < fewest)
                {
                    best = corner;
                    fewest = hidden;
                }
            }

            return best;
        }

        private static string Legend(IReadOnlyList<PlotSeries> routers, bool hasSingles, bool hasOracle, Rect box)
        {
            if (box.Width <= 0)
            {
                return "";
            }

            var legend = new StringBuilder();
            legend.Append(CultureInfo.InvariantCulture, $"<g class=\"legend\" font-size=\"{N(LegendFontSize)}\">\n");
            legend.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(box.X)}\" y=\"{N(box.Y)}\" width=\"{N(box.Width)}\" height=\"{N(box.Height)}\" fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"#999999\"/>\n");
            double row = box.Y + 16;
            double sx = box.X + 10;
            for (int s = 0; s < routers.Count; s++)
            {
                string colour = Palette[s % Palette.Length];
                legend.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(sx)}\" y1=\"{N(row)}\" x2=\"{N(sx + 24)}\" y2=\"{N(row)}\" stroke=\"{colour}\" stroke-width=\"2.2\"/>\n");
                legend.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(sx + 32)}\" y=\"{N(row + 4)}\">{Escape(routers[s].Name)}</text>\n");
                row += 20;
            }

            if (hasSingles)
            {
                legend.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(sx + 12)}\" cy=\"{N(row)}\" r=\"4.5\" fill=\"#ffffff\" stroke=\"#444444\" stroke-width=\"1.6\"/>\n");
                legend.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(sx + 32)}\" y=\"{N(row + 4)}\">single models</text>\n");
                row += 20;
            }

            if (hasOracle)
            {
                legend.Append(CultureInfo.InvariantCulture, $"<path d=\"{Star(sx + 12, row, 7, 3)}\" fill=\"#daa520\" stroke=\"#8b6508\"/>\n");
                legend.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(sx + 32)}\" y=\"{N(row + 4)}\">per-prompt oracle</text>\n");
            }

            legend.Append("</g>\n");
            return legend.ToString();
        }

        private static string Star(double cx, double cy, double outer, double inner)
        {
            var d = new StringBuilder();
            for (int i = 0; i < 10; i++)
            {
                double r = i % 2 == 0 ? outer : inner;
                double angle = (-Math.PI / 2) + (i * Math.PI / 5);
                d.Append(i == 0 ? "M" : " L").Append(N(cx + (r * Math.Cos(angle)))).Append(',').Append(N(cy + (r * Math.Sin(angle))));
            }

            return d.Append(" Z").ToString();
        }

        // Small boxes every 4 px along a line segment, so that overlap tests can treat a curve like markers.
        private static IEnumerable<Rect> SegmentBoxes(double x0, double y0, double x1, double y1)
        {
            int steps = Math.Max(1, (int)(Math.Sqrt(((x1 - x0) * (x1 - x0)) + ((y1 - y0) * (y1 - y0))) / 4));
            for (int i = 0; i <= steps; i++)
            {
                double t = (double)i / steps;
                yield return new Rect(x0 + ((x1 - x0) * t) - 1.5, y0 + ((y1 - y0) * t) - 1.5, 3, 3);
            }
        }

        private static double TextWidth(int characters, double fontSize) => characters * fontSize * 0.6;

        private static string N(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

        private static string Escape(string text)
        {
            var s = new StringBuilder(text.Length);
            foreach (char c in text)
            {
                switch (c)
                {
                    case '<': s.Append("&lt;"); break;
                    case '>': s.Append("&gt;"); break;
                    case '&': s.Append("&amp;"); break;
                    case '"': s.Append("&quot;"); break;
                    case '\'': s.Append("&apos;"); break;
                    default:
                        // Control characters are not allowed in XML 1.0 text.
                        s.Append(c < ' ' && c != '\t' ? ' ' : c);
                        break;
                }
            }

            return s.ToString();
        }

        private readonly record struct Rect(double X, double Y, double Width, double Height)
        {
            public double Right => X + Width;

            public double Bottom => Y + Height;

            public bool Overlaps(Rect other) =>
                X < other.Right && other.X < Right && Y < other.Bottom && other.Y < Bottom;

            public bool Inside(Rect other) =>
                X >= other.X && Y >= other.Y && Right <= other.Right && Bottom <= other.Bottom;
        }

        /// <summary>
        /// Greedy label placement: try positions around the point, nearest first, and take the first whose box stays
        /// inside the plot and overlaps no marker, legend or earlier label; failing that, a farther spot with a leader line.
        /// </summary>
        private sealed class LabelPlacer
        {
            private static readonly (double Dx, double Dy)[] Directions =
                [(1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (1, 1), (-1, -1), (-1, 1)];

            private readonly Rect _plot;
            private readonly List<Rect> _taken = [];

            public LabelPlacer(Rect plot)
            {
                // Keep labels off the frame itself.
                _plot = new Rect(plot.X + 3, plot.Y + 3, plot.Width - 6, plot.Height - 6);
            }

            public void Reserve(Rect area) => _taken.Add(area);


            public string Place(string text, double px, double py, double fontSize, string colour)
            {
                double width = TextWidth(text.Length, fontSize);
                double height = fontSize + 2;
                Rect? fallback = null;
                foreach (double distance in (ReadOnlySpan<double>)[7, 16, 28, 42])
                {
                    foreach ((double dx, double dy) in Directions)
                    {
                        Rect box = BoxAt(px, py, dx, dy, distance, width, height);
                        if (!box.Inside(_plot))
                        {
                            continue;
                        }

                        fallback ??= box;
                        if (_taken.Any(t => t.Overlaps(box)))
                        {
                            continue;
                        }

                        return Emit(text, box, px, py, fontSize, colour, leader: distance > 7);
                    }
                }

                // Crowded: accept an overlap rather than drop the label.
                Rect chosen = fallback ?? BoxAt(px, py, 1, 0, 7, width, height);
                return Emit(text, chosen, px, py, fontSize, colour, leader: false);
            }

            private static Rect BoxAt(double px, double py, double dx, double dy, double distance, double width, double height)
            {
                double x = dx > 0 ? px + distance : dx < 0 ? px - distance - width : px - (width / 2);
                double y = dy > 0 ? py + distance : dy < 0 ? py - distance - height : py - (height / 2);
                return new Rect(x, y, width, height);
            }

            private string Emit(string text, Rect box, double px, double py, double fontSize, string colour, bool leader)
            {
                _taken.Add(box);
                var s = new StringBuilder();
                if (leader)
                {
                    double lx = Math.Clamp(px, box.X, box.Right);
                    double ly = Math.Clamp(py, box.Y, box.Bottom);
                    s.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(px)}\" y1=\"{N(py)}\" x2=\"{N(lx)}\" y2=\"{N(ly)}\" stroke=\"#aaaaaa\" stroke-width=\"0.8\"/>\n");
                }

                s.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(box.X)}\" y=\"{N(box.Bottom - 3)}\" font-size=\"{N(fontSize)}\" fill=\"{colour}\">{Escape(text)}</text>\n");
                return s.ToString();
            }
        }

        /// <summary>A linear or base-10 logarithmic axis with "nice" tick values.</summary>
        private sealed class Axis
        {
            private readonly double _min;
            private readonly double _max;

            private Axis(double min, double max, bool isLog, IReadOnlyList<double> ticks, double step)
            {
                _min = min;
                _max = max;
                IsLog = isLog;
                Ticks = ticks;
                Step = step;
            }

            public bool IsLog { get; }

            public IReadOnlyList<double> Ticks { get; }

            private double Step { get; }

            public static Axis ForCost(IReadOnlyList<double> costs)
            {
                double min = costs.Min(), max = costs.Max();
                if (min > 0 && max / min > LogScaleRatio)
                {
                    return Log(min / 1.25, max * 1.25);
                }

                double pad = max > min ? (max - min) * 0.06 : Math.Max(Math.Abs(max) * 0.1, 0.01);
                double lo = min - pad;

                // Costs are not negative; do not invent a negative region when the data starts near zero.
                if (min >= 0 && lo < 0)
                {
                    lo = 0;
                }

                return Linear(lo, max + pad);
            }

            public static Axis ForQuality(IReadOnlyList<double> qualities)
            {
                double min = qualities.Min(), max = qualities.Max();
                double pad = max > min ? (max - min) * 0.08 : 0.02;
                return Linear(min - pad, max + pad);
            }

            public static Axis Linear(double min, double max)
            {
                double step = NiceStep((max - min) / 6);
                var ticks = new List<double>();
                for (double t = Math.Ceiling(min / step) * step; t <= max + (step * 1e-9); t += step)
                {
                    // Snap to the step grid so that 0.30000000000000004 prints as 0.3.
                    ticks.Add((Math.Round(t / step) * step) + 0.0);
                }

                return new Axis(min, max, isLog: false, ticks, step);
            }

            private static Axis Log(double min, double max)
            {
                var ticks = new List<double>();
                int decades = (int)Math.Ceiling(Math.Log10(max)) - (int)Math.Floor(Math.Log10(min));
                double[] mantissas = decades > 4 ? [1] : decades > 2 ? [1, 3] : [1, 2, 5];
                for (int e = (int)Math.Floor(Math.Log10(min)); e <= (int)Math.Ceiling(Math.Log10(max)); e++)
                {
                    foreach (double m in mantissas)
                    {
                        double t = m * Math.Pow(10, e);
                        if (t >= min && t <= max)
                        {
                            ticks.Add(t);
                        }
                    }
                }

                return new Axis(min, max, isLog: true, ticks, step: 0);
            }

            public double Fraction(double value) => IsLog
                ? (Math.Log10(value) - Math.Log10(_min)) / (Math.Log10(_max) - Math.Log10(_min))
                : (value - _min) / (_max - _min);

            public string FormatTick(double value, bool money)
            {
                string text;
                if (IsLog)
                {
                    text = value.ToString(value >= 1 ? "0.##" : "0.####", CultureInfo.InvariantCulture);
                }
                else
                {
                    int decimals = 0;
                    while (decimals < 6 && Math.Abs(Math.Round(Step, decimals) - Step) > Step * 1e-9)
                    {
                        decimals++;
                    }

                    text = value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                }

                return money ? "$" + text : text;
            }

            private static double NiceStep(double rough)
            {
                if (!(rough > 0))
                {
                    return 1;
                }

                double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
                double normalized = rough / magnitude;
                double nice = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 2.5 ? 2.5 : normalized <= 5 ? 5 : 10;
                return nice * magnitude;
            }
        }
    }
}
