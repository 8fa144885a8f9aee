using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;

namespace RouterGen.Serving
{
    /// <summary>
    /// The instruments of the <see cref="RoutingTelemetry.MeterName"/> meter. <see cref="Shared"/> is one process-wide
    /// meter (what the chat client uses); a host with dependency injection creates its own from its
    /// <see cref="IMeterFactory"/>, so two hosts in one process (a test suite, a process serving two routers) keep their
    /// counts apart, and an exporter can tell them apart by the meter's <see cref="Meter.Scope"/>.
    /// </summary>
    public sealed class RoutingMeters
    {
        // Routing takes microseconds, model calls take seconds: one bucket set spans both. OpenTelemetry's default buckets
        // (0 to 10,000) are meant for milliseconds and would put every request in the first two.

        /// <summary>The histogram bucket boundaries of every duration instrument, in seconds (100 µs to 2 minutes).</summary>
        public static readonly IReadOnlyList<double> SecondsBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

        private static readonly string? Version = typeof(RoutingMeters).Assembly.GetName().Version?.ToString();

        private RoutingMeters(Meter meter)
        {
            Meter = meter;
            var seconds = new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets };
            Decisions = meter.CreateCounter<long>("routergen.decisions", "{decision}", "Routing decisions, by chosen model, reason and preset.");
            DecisionDuration = meter.CreateHistogram("routergen.decision.duration", "s", "Time to embed the prompt and decide.", tags: null, advice: seconds);
            Fallbacks = meter.CreateCounter<long>("routergen.fallbacks", "{fallback}", "Requests moved to the next-ranked model after a failure, by the model that failed and why.");
            UpstreamFailures = meter.CreateCounter<long>("routergen.upstream.failures", "{failure}", "Failed model calls, by model and reason.");
            RequestDuration = meter.CreateHistogram("routergen.request.duration", "s", "Time from the decision to the end of the last attempt, by served model and outcome.", tags: null, advice: seconds);
            TimeToFirstToken = meter.CreateHistogram("routergen.time_to_first_token", "s", "Time from sending a streamed request to its first update, by model.", tags: null, advice: seconds);
            Tokens = meter.CreateCounter<long>("routergen.tokens", "{token}", "Tokens the upstream reported, by model and type (input, output).");
            ExpectedSpend = meter.CreateCounter<double>("routergen.expected_spend", "USD", "The profile's expected cost of each answered request, by model: what the router budgeted, not an invoice.");
        }

        /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/> (which owns and disposes it).</summary>
        public RoutingMeters(IMeterFactory meterFactory)
            : this((meterFactory ?? throw new ArgumentNullException(nameof(meterFactory))).Create(new MeterOptions(RoutingTelemetry.MeterName) { Version = Version }))
        {
        }

        /// <summary>The process-wide instruments, used when a plan is started without its own.</summary>
        public static RoutingMeters Shared { get; } = new(new Meter(RoutingTelemetry.MeterName, Version));

        /// <summary>The meter the instruments belong to.</summary>
        public Meter Meter { get; }

        internal Counter<long> Decisions { get; }

        internal Histogram<double> DecisionDuration { get; }

        internal Counter<long> Fallbacks { get; }

        internal Counter<long> UpstreamFailures { get; }

        internal Histogram<double> RequestDuration { get; }

        internal Histogram<double> TimeToFirstToken { get; }

        internal Counter<long> Tokens { get; }

        internal Counter<double> ExpectedSpend { get; }

        /// <summary>
        /// Counts a failed model call outside a <see cref="RouteExecution"/> (a pass-through request, or a stream that broke
        /// after it started and so cannot fall back); <see cref="RouteExecution.Fail"/> counts its own.
        /// </summary>
        public void RecordUpstreamFailure(string modelId, string reason) =>
            UpstreamFailures.Add(1, new KeyValuePair<string, object?>("routergen.model", modelId), new KeyValuePair<string, object?>("routergen.failure", reason));

        /// <summary>Counts the tokens a model reported (either may be unknown).</summary>
        public void RecordTokens(string modelId, long? inputTokens, long? outputTokens)
        {
            if (inputTokens is long input)
            {
                Tokens.Add(input, new("routergen.model", modelId), new("routergen.token.type", "input"));
            }

            if (outputTokens is long output)
            {
                Tokens.Add(output, new("routergen.model", modelId), new("routergen.token.type", "output"));
            }
        }

        /// <summary>Records the time from sending a streamed request to its first update.</summary>
        public void RecordTimeToFirstToken(string modelId, TimeSpan sinceSent) =>
            TimeToFirstToken.Record(sinceSent.TotalSeconds, new KeyValuePair<string, object?>("routergen.model", modelId));
    }
}
