namespace RouterGen.Serving
{
    /// <summary>Why a model is in a route plan at its position.</summary>
    public enum RouteAttemptReason
    {
        /// <summary>The router chose it for the prompt's cluster under the request's policy and knob.</summary>
        Routed,

        /// <summary>The prompt was far from every centroid; the profile's fallback rule chose it.</summary>
        OutOfDistribution,

        /// <summary>The request named this model.</summary>
        Pinned,

        /// <summary>The conversation was routed to it before (stickiness).</summary>
        Sticky,

        /// <summary>The next model in the decision's ranking, tried after the models before it failed.</summary>
        NextRanked,

        /// <summary>A cascade's escalation: expected to do better in the cluster than every model before it.</summary>
        Escalated,

        /// <summary>
        /// The per-prompt estimate's top-model margin was below the profile's low-confidence threshold; the global statistics
        /// chose it under the request's policy and knob.
        /// </summary>
        LowConfidence,
    }

    /// <summary>One model call a <see cref="RoutePlan"/> may make, with the reason it is there.</summary>
    /// <param name="ModelIndex">Index in the router's model list.</param>
    /// <param name="ModelId">The model id.</param>
    /// <param name="Reason">Why it is at this position.</param>
    public readonly record struct RouteAttempt(int ModelIndex, string ModelId, RouteAttemptReason Reason);

    /// <summary>A failed attempt: the model and a short machine-readable reason (<c>status_429</c>, <c>timeout</c>, an exception type).</summary>
    /// <param name="ModelId">The model that failed.</param>
    /// <param name="Reason">Why.</param>
    public readonly record struct RouteAttemptFailure(string ModelId, string Reason);
}
