using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;

namespace RouterGen.Serving.Tests
{
    /// <summary>
    /// One scrape of the proxy's <c>/metrics</c>, parsed from the Prometheus text exposition format: every sample line
    /// (<c>name{label="value",...} value [timestamp]</c>), so tests look metrics up by name and labels instead of
    /// comparing exporter-specific text.
    /// </summary>
    internal sealed class PrometheusScrape
    {
        private PrometheusScrape(string text, List<Sample> samples)
        {
            Text = text;
            Samples = samples;
        }

        public string Text { get; }

        public IReadOnlyList<Sample> Samples { get; }

        public static async Task<PrometheusScrape> FetchAsync(HttpClient http)
        {
            string text = await http.GetStringAsync("/metrics");
            return Parse(text);
        }

        public static PrometheusScrape Parse(string text)
        {
            var samples = new List<Sample>();
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                int brace = line.IndexOf('{', StringComparison.Ordinal);
                int space = line.IndexOf(' ', StringComparison.Ordinal);
                var labels = new Dictionary<string, string>(StringComparer.Ordinal);
                string name;
                int rest;
                if (brace >= 0 && brace < space)
                {
                    name = line[..brace];
                    rest = ParseLabels(line, brace + 1, labels);
                }
                else
                {
                    name = line[..space];
                    rest = space;
                }

                string[] values = line[rest..].Trim().Split(' ');
                samples.Add(new Sample(name, labels, double.Parse(values[0], NumberStyles.Float, CultureInfo.InvariantCulture)));
            }

            return new PrometheusScrape(text, samples);
        }

        /// <summary>The sum of the samples named <paramref name="name"/> whose labels include every one given (0 when none).</summary>
        public double Sum(string name, params (string Label, string Value)[] labels) =>
            Matching(name, labels).Sum(s => s.Value);

        public IEnumerable<Sample> Matching(string name, params (string Label, string Value)[] labels) =>
            Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out string? v) && v == l.Value));

        // Reads label="value" pairs (with \\, \" and \n escapes) up to the closing brace; returns the index after it.
        private static int ParseLabels(string line, int at, Dictionary<string, string> labels)
        {
            while (line[at] != '}')
            {
                int equals = line.IndexOf('=', at);
                string label = line[at..equals];
                var value = new StringBuilder();
                int i = equals + 2;
                for (; line[i] != '"'; i++)
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] == 'n' ? '\n' : line[i]);
                    }
                    else
                    {
                        value.Append(line[i]);
                    }
                }

                labels[label] = value.ToString();
                at = i + 1;
                if (line[at] == ',')
                {
                    at++;
                }
            }

            return at + 1;
        }

        internal sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
    }
}
