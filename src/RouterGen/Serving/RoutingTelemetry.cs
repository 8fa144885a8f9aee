using System.Diagnostics;

namespace RouterGen.Serving
{
    /// <summary>
    /// The names under which RouterGen's serving code reports: one <see cref="ActivitySource"/> (a span per routing
    /// decision, a child of the caller's span, for example Microsoft.Extensions.AI's GenAI <c>chat</c> span) and one
    /// meter (<see cref="RoutingMeters"/>). Subscribe with OpenTelemetry's <c>AddSource(RoutingTelemetry.SourceName)</c> and
    /// <c>AddMeter(RoutingTelemetry.MeterName)</c>.
    /// </summary>
    public static class RoutingTelemetry
    {
        /// <summary>Name of the activity source and the meter.</summary>
        public const string SourceName = "RouterGen";

        /// <summary>Name of the meter (the same as <see cref="SourceName"/>).</summary>
        public const string MeterName = SourceName;

        /// <summary>Name of the span per routing decision.</summary>
        public const string RouteActivityName = "routergen.route";

        internal static readonly ActivitySource Source = new(SourceName, typeof(RoutingTelemetry).Assembly.GetName().Version?.ToString());
    }
}
