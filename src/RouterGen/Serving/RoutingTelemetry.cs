using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RouterGen.Serving
{
    /// <summary>
    /// The names under which RouterGen's serving code reports: one <see cref="ActivitySource"/> (a span per routing
    /// decision, a child of the caller's span, for example Microsoft.Extensions.AI's GenAI <c>chat</c> span) and one
    /// <see cref="Meter"/>. Subscribe with OpenTelemetry's <c>AddSource(RoutingTelemetry.SourceName)</c> and
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

        internal static readonly Meter Meter = new(MeterName, typeof(RoutingTelemetry).Assembly.GetName().Version?.ToString());

        internal static readonly Counter<long> Decisions =
            Meter.CreateCounter<long>("routergen.decisions", "{decision}", "Routing decisions, by chosen model, reason and preset.");

        internal static readonly Histogram<double> DecisionDuration =
            Meter.CreateHistogram<double>("routergen.decision.duration", "s", "Time to embed the prompt and decide.");

        internal static readonly Counter<long> Fallbacks =
            Meter.CreateCounter<long>("routergen.fallbacks", "{fallback}", "Requests moved to the next-ranked model after a failure, by the model that failed and why.");

        internal static readonly Counter<long> UpstreamFailures =
            Meter.CreateCounter<long>("routergen.upstream.failures", "{failure}", "Failed model calls, by model and reason.");

        internal static readonly Histogram<double> RequestDuration =
            Meter.CreateHistogram<double>("routergen.request.duration", "s", "Time from the decision to the end of the last attempt, by served model and outcome.");

        internal static readonly Histogram<double> TimeToFirstToken =
            Meter.CreateHistogram<double>("routergen.time_to_first_token", "s", "Time from sending a streamed request to its first update, by model.");

        internal static readonly Counter<long> Tokens =
            Meter.CreateCounter<long>("routergen.tokens", "{token}", "Tokens the upstream reported, by model and type (input, output).");

        internal static readonly Counter<double> ExpectedSpend =
            Meter.CreateCounter<double>("routergen.expected_spend", "USD", "The profile's expected cost of each answered request, by model: what the router budgeted, not an invoice.");
    }
}
