using System;
using System.Collections.Generic;
using System.Diagnostics;
using RouterGen.Routing;

namespace RouterGen.Serving
{
    /// <summary>
    /// Runs a <see cref="RoutePlan"/>: hands out its attempts in order while the ones before failed, records every failure,
    /// and reports the request once it ends (a <c>routergen.route</c> span with the decision and the attempts, and the
    /// <see cref="RoutingTelemetry"/> meters). The chat client drives it from Microsoft.Extensions.AI's failover loop and
    /// the proxy from its upstream loop, so both stop, fall back and report the same way.
    /// </summary>
    public sealed class RouteExecution
    {
        private readonly List<RouteAttemptFailure> _failures = new(1);
        private readonly List<string> _attempted = new(2);
        private readonly long _started;
        private readonly Activity? _activity;
        private readonly RoutingMeters _meters;
        private int _next;
        private bool _ended;

        internal RouteExecution(RoutePlan plan, RoutingMeters meters)
        {
            Plan = plan;
            _meters = meters;
            _started = Stopwatch.GetTimestamp();
            RouteDecision decision = plan.Decision;
            RouteAttempt first = plan.Attempts[0];
            TagList tags = default;
            tags.Add("routergen.model", first.ModelId);
            tags.Add("routergen.reason", ReasonName(first.Reason));
            tags.Add("routergen.preset", plan.Request.Preset ?? "none");
            _meters.Decisions.Add(1, tags);
            if (!plan.IsSticky)
            {
                _meters.DecisionDuration.Record(plan.DecisionTime.TotalSeconds);
            }

            _activity = RoutingTelemetry.Source.StartActivity(RoutingTelemetry.RouteActivityName, ActivityKind.Internal);
            if (_activity is { IsAllDataRequested: true } activity)
            {
                activity.SetTag("routergen.router", decision.Tables.Name);
                activity.SetTag("routergen.cluster.index", decision.ClusterIndex);
                activity.SetTag("routergen.cluster.label", decision.ClusterLabel);
                activity.SetTag("routergen.similarity", (double)decision.Similarity);
                activity.SetTag("routergen.out_of_distribution", decision.FallbackReason == RouteFallbackReason.OutOfDistribution);
                activity.SetTag("routergen.low_confidence", decision.FallbackReason == RouteFallbackReason.LowConfidence);
                activity.SetTag("routergen.preset", plan.Request.Preset);
                activity.SetTag("routergen.policy", RoutingPolicyNames.Format(decision.Options.Policy));
                activity.SetTag("routergen.knob", decision.Options.Knob);
                activity.SetTag("routergen.model", first.ModelId);
                activity.SetTag("routergen.reason", ReasonName(first.Reason));
                activity.SetTag("routergen.sticky", plan.IsSticky);
                activity.SetTag("routergen.expected_quality", decision.ExpectedQuality);
                activity.SetTag("routergen.expected_cost_usd", decision.ExpectedCostUsd);
            }
        }

        /// <summary>The plan being run.</summary>
        public RoutePlan Plan { get; }

        /// <summary>The attempt handed out last, or null before the first.</summary>
        public RouteAttempt? Current { get; private set; }

        /// <summary>Model ids called so far, in order.</summary>
        public IReadOnlyList<string> AttemptedModels => _attempted;

        /// <summary>Attempts that failed so far.</summary>
        public IReadOnlyList<RouteAttemptFailure> Failures => _failures;

        /// <summary>The span of this request's routing decision, or null when nobody listens.</summary>
        public Activity? Activity => _activity;

        /// <summary>
        /// The next attempt, if the plan has one left: the first call, or the next-ranked model after <see cref="Fail"/>.
        /// </summary>
        public bool TryGetNext(out RouteAttempt attempt)
        {
            if (_ended || _next >= Plan.Attempts.Count || (_next > 0 && _failures.Count < _next))
            {
                // Exhausted, ended, or the previous attempt did not fail (nothing to fall back from).
                attempt = default;
                return false;
            }

            attempt = Plan.Attempts[_next++];
            Current = attempt;
            _attempted.Add(attempt.ModelId);
            return true;
        }

        /// <summary>Records that the current attempt failed (before any output reached the caller).</summary>
        /// <param name="reason">Short machine-readable reason: <c>status_5xx</c>, <c>status_429</c>, <c>timeout</c>,
        /// <c>connection</c>, or an exception type name.</param>
        public void Fail(string reason)
        {
            ArgumentException.ThrowIfNullOrEmpty(reason);
            RouteAttempt current = Current ?? throw new InvalidOperationException("No attempt was started.");
            _failures.Add(new RouteAttemptFailure(current.ModelId, reason));
            TagList tags = default;
            tags.Add("routergen.model", current.ModelId);
            tags.Add("routergen.failure", reason);
            _meters.UpstreamFailures.Add(1, tags);
            if (_next < Plan.Attempts.Count)
            {
                _meters.Fallbacks.Add(1, tags);
            }

            _activity?.AddEvent(new ActivityEvent("routergen.attempt_failed", tags: new ActivityTagsCollection
            {
                ["routergen.model"] = current.ModelId,
                ["routergen.failure"] = reason,
            }));
        }

        /// <summary>Records the time to the first streamed update of the current attempt.</summary>
        public void FirstUpdate(TimeSpan sinceSent)
        {
            if (Current is { } current)
            {
                _meters.RecordTimeToFirstToken(current.ModelId, sinceSent);
            }
        }

        /// <summary>Records the token usage the upstream reported for the current attempt.</summary>
        public void ReportUsage(long? inputTokens, long? outputTokens)
        {
            if (Current is not { } current)
            {
                return;
            }

            _meters.RecordTokens(current.ModelId, inputTokens, outputTokens);
            if (inputTokens is long input)
            {
                _activity?.SetTag("gen_ai.usage.input_tokens", input);
            }

            if (outputTokens is long output)
            {
                _activity?.SetTag("gen_ai.usage.output_tokens", output);
            }
        }

        /// <summary>
        /// Ends the request: <paramref name="succeeded"/> when the current attempt's answer went to the caller. Reports the
        /// span and the request duration once; later calls do nothing.
        /// </summary>
        public void End(bool succeeded)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            string served = Current?.ModelId ?? "none";
            TagList tags = default;
            tags.Add("routergen.model", served);
            tags.Add("routergen.outcome", succeeded ? "answered" : "failed");
            _meters.RequestDuration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, tags);
            if (succeeded && Current is { } answered)
            {
                int statisticsCluster = Plan.Decision.StatisticsCluster;
                _meters.ExpectedSpend.Add(
                    Plan.Decision.Tables.CostOf(statisticsCluster, answered.ModelIndex), new KeyValuePair<string, object?>("routergen.model", served));
            }

            if (_activity is { } activity)
            {
                activity.SetTag("routergen.served_model", served);
                activity.SetTag("routergen.attempts", _attempted.Count);
                activity.SetTag("routergen.fallbacks", _failures.Count);
                activity.SetTag("routergen.attempted_models", string.Join(",", _attempted));
                activity.SetStatus(succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error, succeeded ? null : "every attempted model failed");
                activity.Dispose();
            }
        }

        internal static string ReasonName(RouteAttemptReason reason) => reason switch
        {
            RouteAttemptReason.Routed => "routed",
            RouteAttemptReason.OutOfDistribution => "out_of_distribution",
            RouteAttemptReason.Pinned => "pinned",
            RouteAttemptReason.Sticky => "sticky",
            RouteAttemptReason.Escalated => "escalated",
            RouteAttemptReason.LowConfidence => "low_confidence",
            _ => "next_ranked",
        };
    }
}
