using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;

namespace RouterGen.Proxy
{
    /// <summary>
    /// The proxy's counters and latency histograms, rendered in the Prometheus text exposition format (version 0.0.4).
    /// Hand-written to stay dependency-free and NativeAOT-safe; every update is one or two interlocked operations.
    /// </summary>
    public sealed class ProxyMetrics
    {
        // Seconds. Routing takes microseconds, upstream calls take seconds: one bucket set spans both.
        private static readonly double[] Buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

        private readonly ConcurrentDictionary<(string Route, int Status), Counter> _requests = new();
        private readonly ConcurrentDictionary<string, Counter> _decisions = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, Counter> _fallbacks = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<(string Model, string Reason), Counter> _upstreamFailures = new();
        private readonly ConcurrentDictionary<string, Histogram> _requestDuration = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, Histogram> _upstreamDuration = new(StringComparer.Ordinal);
        private readonly Histogram _routingDuration = new();

        /// <summary>Counts a finished request: <paramref name="route"/> is "auto", "passthrough" or "rejected".</summary>
        public void RequestFinished(string route, int status, TimeSpan elapsed)
        {
            _requests.GetOrAdd((route, status), static _ => new Counter()).Increment();
            _requestDuration.GetOrAdd(route, static _ => new Histogram()).Observe(elapsed.TotalSeconds);
        }

        /// <summary>Counts a routing decision for <paramref name="model"/> and the time embedding and routing took.</summary>
        public void Routed(string model, TimeSpan routing)
        {
            _decisions.GetOrAdd(model, static _ => new Counter()).Increment();
            _routingDuration.Observe(routing.TotalSeconds);
        }

        /// <summary>Counts a failed upstream call that led to trying the next model.</summary>
        public void FellBack(string fromModel) => _fallbacks.GetOrAdd(fromModel, static _ => new Counter()).Increment();

        /// <summary>Counts a failed upstream call by reason ("status_5xx", "status_429", "timeout", "connection").</summary>
        public void UpstreamFailed(string model, string reason) => _upstreamFailures.GetOrAdd((model, reason), static _ => new Counter()).Increment();

        /// <summary>Records how long an upstream took to answer (to its response headers).</summary>
        public void UpstreamAnswered(string model, TimeSpan elapsed) => _upstreamDuration.GetOrAdd(model, static _ => new Histogram()).Observe(elapsed.TotalSeconds);

        /// <summary>The current values in Prometheus text format.</summary>
        public string Render()
        {
            var text = new StringBuilder(4096);
            text.Append("# HELP routergen_requests_total Chat completion requests by route (auto, passthrough, rejected) and HTTP status.\n# TYPE routergen_requests_total counter\n");
            foreach (KeyValuePair<(string Route, int Status), Counter> entry in Sorted(_requests, k => k.Route + "\0" + k.Status.ToString("D3", CultureInfo.InvariantCulture)))
            {
                text.Append("routergen_requests_total{route=\"").Append(Escape(entry.Key.Route)).Append("\",status=\"").Append(entry.Key.Status.ToString(CultureInfo.InvariantCulture)).Append("\"} ").Append(entry.Value.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            AppendCounters(text, "routergen_decisions_total", "Routing decisions by chosen model.", "model", _decisions);
            AppendCounters(text, "routergen_fallbacks_total", "Upstream failures that moved a request to the next-ranked model, by failed model.", "model", _fallbacks);
            text.Append("# HELP routergen_upstream_failures_total Failed upstream calls by model and reason.\n# TYPE routergen_upstream_failures_total counter\n");
            foreach (KeyValuePair<(string Model, string Reason), Counter> entry in Sorted(_upstreamFailures, k => k.Model + "\0" + k.Reason))
            {
                text.Append("routergen_upstream_failures_total{model=\"").Append(Escape(entry.Key.Model)).Append("\",reason=\"").Append(Escape(entry.Key.Reason)).Append("\"} ").Append(entry.Value.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            text.Append("# HELP routergen_routing_duration_seconds Time to embed the prompt and route it.\n# TYPE routergen_routing_duration_seconds histogram\n");
            _routingDuration.Append(text, "routergen_routing_duration_seconds", null, null);
            AppendHistograms(text, "routergen_request_duration_seconds", "Whole request time in the proxy, by route.", "route", _requestDuration);
            AppendHistograms(text, "routergen_upstream_duration_seconds", "Time from sending a request upstream to its response headers, by model.", "model", _upstreamDuration);
            return text.ToString();
        }

        private static void AppendCounters(StringBuilder text, string name, string help, string label, ConcurrentDictionary<string, Counter> counters)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" counter\n");
            foreach (KeyValuePair<string, Counter> entry in Sorted(counters, k => k))
            {
                text.Append(name).Append('{').Append(label).Append("=\"").Append(Escape(entry.Key)).Append("\"} ").Append(entry.Value.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        private static void AppendHistograms(StringBuilder text, string name, string help, string label, ConcurrentDictionary<string, Histogram> histograms)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" histogram\n");
            foreach (KeyValuePair<string, Histogram> entry in Sorted(histograms, k => k))
            {
                entry.Value.Append(text, name, label, entry.Key);
            }
        }

        private static List<KeyValuePair<TKey, TValue>> Sorted<TKey, TValue>(ConcurrentDictionary<TKey, TValue> source, Func<TKey, string> order)
            where TKey : notnull
        {
            var list = new List<KeyValuePair<TKey, TValue>>(source);
            list.Sort((a, b) => string.CompareOrdinal(order(a.Key), order(b.Key)));
            return list;
        }

        // Label values escape backslash, double quote and line feed (exposition format rules).
        internal static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

        private sealed class Counter
        {
            private long _value;

            public long Value => Interlocked.Read(ref _value);

            public void Increment() => Interlocked.Increment(ref _value);
        }

        private sealed class Histogram
        {
            private readonly long[] _counts = new long[Buckets.Length + 1];
            private long _sumMicroseconds;

            public void Observe(double seconds)
            {
                int bucket = Array.BinarySearch(Buckets, seconds);
                Interlocked.Increment(ref _counts[bucket < 0 ? ~bucket : bucket]);
                Interlocked.Add(ref _sumMicroseconds, (long)Math.Round(seconds * 1e6));
            }

            public void Append(StringBuilder text, string name, string? label, string? value)
            {
                string labels = label is null ? "" : label + "=\"" + Escape(value!) + "\",";
                long cumulative = 0;
                for (int i = 0; i <= Buckets.Length; i++)
                {
                    cumulative += Interlocked.Read(ref _counts[i]);
                    string le = i < Buckets.Length ? Buckets[i].ToString("R", CultureInfo.InvariantCulture) : "+Inf";
                    text.Append(name).Append("_bucket{").Append(labels).Append("le=\"").Append(le).Append("\"} ").Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }

                string braces = label is null ? "" : "{" + labels.TrimEnd(',') + "}";
                text.Append(name).Append("_sum").Append(braces).Append(' ').Append((Interlocked.Read(ref _sumMicroseconds) / 1e6).ToString("R", CultureInfo.InvariantCulture)).Append('\n');
                text.Append(name).Append("_count").Append(braces).Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
    }
}
