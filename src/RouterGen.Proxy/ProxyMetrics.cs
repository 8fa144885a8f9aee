using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using RouterGen.Serving;

namespace RouterGen.Proxy
{
    /// <summary>
    /// The proxy's instruments: its own meter <see cref="MeterName"/> (requests, upstream latency, spend) beside the routing
    /// meter <see cref="RoutingTelemetry.MeterName"/> (decisions, fallbacks, failures, time to first token, tokens), both
    /// created from the host's <see cref="IMeterFactory"/> so that they count this proxy only, and exported on
    /// <c>/metrics</c> by OpenTelemetry's Prometheus exporter.
    /// </summary>
    internal sealed class ProxyMetrics
    {
        /// <summary>Name of the proxy's own meter.</summary>
        public const string MeterName = "RouterGen.Proxy";

        private readonly Counter<long> _requests;
        private readonly Histogram<double> _requestDuration;
        private readonly Histogram<double> _upstreamDuration;
        private readonly Counter<double> _spend;
        private readonly Counter<long> _reloads;
        private readonly Meter _meter;

        public ProxyMetrics(IMeterFactory meterFactory)
        {
            Routing = new RoutingMeters(meterFactory);
            Meter meter = _meter = meterFactory.Create(new MeterOptions(MeterName) { Version = typeof(ProxyMetrics).Assembly.GetName().Version?.ToString() });
            var seconds = new InstrumentAdvice<double> { HistogramBucketBoundaries = RoutingMeters.SecondsBuckets };
            _requests = meter.CreateCounter<long>("routergen.proxy.requests", "{request}", "Chat completion requests by route (auto, passthrough, rejected) and HTTP status.");
            _requestDuration = meter.CreateHistogram("routergen.proxy.request.duration", "s", "Whole request time in the proxy, by route.", tags: null, advice: seconds);
            _upstreamDuration = meter.CreateHistogram("routergen.proxy.upstream.duration", "s", "Time from sending a request upstream to its response headers, by model.", tags: null, advice: seconds);
            _reloads = meter.CreateCounter<long>("routergen.proxy.profile.reloads", "{reload}", "Reloads of the runtime-loaded profile after it changed on disk, by outcome (succeeded, failed: the old router kept serving).");
            _spend = meter.CreateCounter<double>("routergen.spend", "USD", "Reported tokens times the model's list price per million tokens, by model (only for models with prices).");
        }

        /// <summary>Decisions, fallbacks, failures, time to first token and tokens, for this proxy.</summary>
        public RoutingMeters Routing { get; }

        /// <summary>Counts a finished request: <paramref name="route"/> is "auto", "passthrough" or "rejected".</summary>
        public void RequestFinished(string route, int status, TimeSpan elapsed)
        {
            _requests.Add(1, new KeyValuePair<string, object?>("routergen.route", route), new KeyValuePair<string, object?>("http.response.status_code", status));
            _requestDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("routergen.route", route));
        }

        /// <summary>Records how long an upstream took to answer (to its response headers).</summary>
        public void UpstreamAnswered(string model, TimeSpan elapsed) =>
            _upstreamDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("routergen.model", model));

        /// <summary>Counts a profile reload.</summary>
        public void ProfileReloaded(bool succeeded) => _reloads.Add(1, new KeyValuePair<string, object?>("routergen.outcome", succeeded ? "succeeded" : "failed"));

        /// <summary>Reports the served profile's identity as the gauge <c>routergen.proxy.profile</c> (always 1, the identity in its tags).</summary>
        public void ObserveProfile(Func<string> router, Func<string?> sha256) =>
            _meter.CreateObservableGauge(
                "routergen.proxy.profile",
                () => new Measurement<int>(1, new KeyValuePair<string, object?>("routergen.router", router()), new KeyValuePair<string, object?>("routergen.profile.sha256", sha256() ?? "none")),
                "{profile}",
                "The profile being served: its router name and the SHA-256 of its file (none for a router compiled in), as tags.");

        /// <summary>Adds the spend of one answer in USD.</summary>
        public void Spent(string model, double usd) => _spend.Add(usd, new KeyValuePair<string, object?>("routergen.model", model));
    }
}
