using System;
using System.Collections.Generic;
using System.Diagnostics;
using RouterGen.Routing;

namespace RouterGen.Serving
{
    /// <summary>
    /// The ordered model calls for one request, each with its reason: the routed (or pinned, or sticky) model first, then
    /// the next models in the decision's ranking for when the ones before fail. Built from a <see cref="RoutingRequest"/>
    /// and run by a <see cref="RouteExecution"/>, the one attempt sequence the chat client and the proxy share.
    /// </summary>
    public sealed class RoutePlan
    {
        private RoutePlan(RoutingRequest request, RouteDecision decision, RouteAttempt[] attempts, bool isSticky, TimeSpan decisionTime)
        {
            Request = request;
            Decision = decision;
            Attempts = attempts;
            IsSticky = isSticky;
            DecisionTime = decisionTime;
        }

        /// <summary>The request the plan was made for.</summary>
        public RoutingRequest Request { get; }

        /// <summary>The routing decision (after the cost cap) whose ranking orders the attempts.</summary>
        public RouteDecision Decision { get; }

        /// <summary>The model calls in order; at least one.</summary>
        public IReadOnlyList<RouteAttempt> Attempts { get; }

        /// <summary>True when the first attempt is the model this conversation was routed to before.</summary>
        public bool IsSticky { get; }

        /// <summary>Time spent embedding and deciding (zero for a sticky plan).</summary>
        public TimeSpan DecisionTime { get; }

        /// <summary>Routes a request and orders its attempts.</summary>
        /// <param name="router">The prompt router.</param>
        /// <param name="request">The parsed request.</param>
        /// <param name="maxAttempts">Most model calls, the first included (1 disables fallback).</param>
        /// <param name="remembered">The conversation's earlier route, if any: used when it was decided with the same options
        /// and its model is still allowed; otherwise the text is routed afresh.</param>
        /// <exception cref="RoutingRequestException">No allowed model is within the request's cost cap.</exception>
        public static RoutePlan Create(IPromptRouter router, RoutingRequest request, int maxAttempts, StickyRoute? remembered = null)
        {
            ArgumentNullException.ThrowIfNull(router);
            ArgumentNullException.ThrowIfNull(request);
            ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
            RouterTables tables = router.Tables;
            if (remembered is { } sticky && sticky.Options == request.Options && tables.IndexOfModel(sticky.ModelId) is int model and >= 0 &&
                request.Options.AllowedModels.IsAllowed(model) && sticky.Cluster < tables.ClusterCount)
            {
                // A remembered fallback of either kind is replayed as out of distribution: both mean the global statistics decided.
                var decision = new RouteDecision(tables, model, sticky.Cluster, sticky.Similarity, sticky.IsOutOfDistribution ? RouteFallbackReason.OutOfDistribution : RouteFallbackReason.None, sticky.Options);
                return new RoutePlan(request, decision, Order(decision, model, RouteAttemptReason.Sticky, maxAttempts), isSticky: true, TimeSpan.Zero);
            }

            long started = Stopwatch.GetTimestamp();
            RouteDecision routed = router.Route(request.RoutingText, request.Options);
            if (request.MaxCostUsd is double cap)
            {
                routed = ApplyCostCap(routed, cap);
            }

            TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
            RouteAttemptReason reason = request.PinnedModel >= 0 ? RouteAttemptReason.Pinned
                : routed.FallbackReason == RouteFallbackReason.LowConfidence ? RouteAttemptReason.LowConfidence
                : routed.IsFallback ? RouteAttemptReason.OutOfDistribution
                : RouteAttemptReason.Routed;
            return new RoutePlan(request, routed, Order(routed, routed.ModelIndex, reason, maxAttempts), isSticky: false, elapsed);
        }

        /// <summary>
        /// A FrugalGPT cascade as a plan: the model <paramref name="firstStep"/> picks (the cheap one) first, then each
        /// escalation to the model the request's own options prefer among those expected to do strictly better in the
        /// cluster than every model before it. The order does not depend on why a step ended (a rejected answer and a
        /// failed call both escalate), so it is fixed up front.
        /// </summary>
        /// <param name="router">The prompt router.</param>
        /// <param name="request">The parsed request.</param>
        /// <param name="firstStep">Options that pick the first model (its allowed models are the request's).</param>
        /// <param name="maxSteps">Most models called, the first included.</param>
        public static RoutePlan CreateCascade(IPromptRouter router, RoutingRequest request, in RoutingOptions firstStep, int maxSteps)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
            RoutePlan routed = Create(router, request, 1);
            RouteDecision decision = Reroute(routed.Decision, firstStep.WithAllowedModels(routed.Decision.Options.AllowedModels));
            RouterTables tables = decision.Tables;
            int statisticsCluster = decision.StatisticsCluster;
            var steps = new List<RouteAttempt>(maxSteps) { new(decision.ModelIndex, decision.ModelId, routed.Attempts[0].Reason) };
            ModelMask remaining = routed.Decision.Options.AllowedModels;
            while (steps.Count < maxSteps)
            {
                double floor = tables.QualityOf(statisticsCluster, steps[^1].ModelIndex);
                for (int m = 0; m < tables.ModelCount; m++)
                {
                    if (tables.QualityOf(statisticsCluster, m) <= floor)
                    {
                        remaining = remaining.Without(m);
                    }
                }

                if (remaining.CountAllowed(tables.ModelCount) == 0)
                {
                    break;
                }

                RouteDecision escalation = Reroute(decision, routed.Decision.Options.WithAllowedModels(remaining));
                steps.Add(new RouteAttempt(escalation.ModelIndex, escalation.ModelId, RouteAttemptReason.Escalated));
            }

            return new RoutePlan(request, decision, steps.ToArray(), isSticky: false, routed.DecisionTime);
        }

        /// <summary>Starts running the plan (one per request; not thread-safe), reporting to <see cref="RoutingMeters.Shared"/>.</summary>
        public RouteExecution Start() => new(this, RoutingMeters.Shared);

        /// <summary>Starts running the plan (one per request; not thread-safe), reporting to <paramref name="meters"/>.</summary>
        public RouteExecution Start(RoutingMeters meters) => new(this, meters ?? throw new ArgumentNullException(nameof(meters)));

        /// <summary>
        /// Decides again from <paramref name="decision"/>'s cluster with other options (another knob or mask) without
        /// embedding the text again; an out-of-distribution decision stays one.
        /// </summary>
        public static RouteDecision Reroute(in RouteDecision decision, in RoutingOptions options) => decision.Reroute(options);

        // Excludes every model whose expected cost for the decision's cluster exceeds the budget, then decides again in the
        // same cluster: the mask applies before the choice, so the later attempts stay within the budget too.
        private static RouteDecision ApplyCostCap(RouteDecision decision, double budget)
        {
            RouterTables tables = decision.Tables;
            int statisticsCluster = decision.StatisticsCluster;
            ModelMask allowed = decision.Options.AllowedModels;
            ModelMask capped = allowed;
            for (int m = 0; m < tables.ModelCount; m++)
            {
                if (allowed.IsAllowed(m) && tables.CostOf(statisticsCluster, m) > budget)
                {
                    capped = capped.Without(m);
                }
            }

            if (capped == allowed)
            {
                return decision;
            }

            if (capped.CountAllowed(tables.ModelCount) == 0)
            {
                throw new RoutingRequestException(
                    FormattableString.Invariant($"No allowed model's expected cost for this request is within the cost cap of ${budget:R}."), RoutingRequestError.CostCapExceeded, "max_cost_usd");
            }

            return Reroute(decision, decision.Options.WithAllowedModels(capped));
        }

        private static RouteAttempt[] Order(in RouteDecision decision, int first, RouteAttemptReason firstReason, int maxAttempts)
        {
            RouterTables tables = decision.Tables;
            Span<int> ranked = stackalloc int[64];
            int count = decision.CopyRankedModels(ranked);
            var attempts = new List<RouteAttempt>(Math.Min(count + 1, maxAttempts)) { new(first, tables.ModelIds[first], firstReason) };
            for (int i = 0; i < count && attempts.Count < maxAttempts; i++)
            {
                if (ranked[i] != first)
                {
                    attempts.Add(new RouteAttempt(ranked[i], tables.ModelIds[ranked[i]], RouteAttemptReason.NextRanked));
                }
            }

            return attempts.ToArray();
        }
    }
}
