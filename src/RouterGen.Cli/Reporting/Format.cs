using System.Globalization;
using RouterGen.Routing;

namespace RouterGen.Cli.Reporting
{
    /// <summary>
    /// Culture-invariant number formats shared by every report, so output is the same on every machine; quality, cost and
    /// knob values are <see cref="RouteExplanation"/>'s, the rounding of the generated comments and decision explanations.
    /// </summary>
    internal static class Format
    {
        /// <summary>A quality (success rate in [0, 1]) as a percentage with one decimal: 0.7443 → "74.4%".</summary>
        public static string Percent(double quality) => RouteExplanation.Percent(quality);

        /// <summary>A signed change in quality, in percentage points: +1.2 pp.</summary>
        public static string PointsDelta(double delta) => RouteExplanation.PointsDelta(delta);

        /// <summary>A quality with three decimals.</summary>
        public static string Quality(double quality) => quality.ToString("0.000", CultureInfo.InvariantCulture);

        /// <summary>An AIQ (mean quality over a cost range, in [0, 1]) with four decimals.</summary>
        public static string Aiq(double aiq) => aiq.ToString("0.0000", CultureInfo.InvariantCulture);

        /// <summary>A signed difference of AIQs with four decimals.</summary>
        public static string AiqDelta(double delta) => Signed(delta, "0.0000");

        /// <summary>A cost in USD with enough significant digits for cents and fractions of a cent.</summary>
        public static string Usd(double usd) => RouteExplanation.Usd(usd);

        /// <summary>A signed cost change in USD.</summary>
        public static string UsdDelta(double usd) => RouteExplanation.UsdDelta(usd);

        /// <summary>A plain number in round-trip-short form.</summary>
        public static string Number(double value) => RouteExplanation.Number(value);

        /// <summary>An integer.</summary>
        public static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

        private static string Signed(double value, string format) =>
            (value >= 0 ? "+" : "") + value.ToString(format, CultureInfo.InvariantCulture);
    }
}
