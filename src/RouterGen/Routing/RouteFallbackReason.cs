namespace RouterGen.Routing
{
    /// <summary>
    /// Why a decision was made by the models' global statistics instead of the prompt's cluster or per-prompt estimate.
    /// Either way the global statistics decide under the request's own policy, knob and allowed-models mask.
    /// </summary>
    public enum RouteFallbackReason : byte
    {
        /// <summary>No fallback: the nearest cluster or the per-prompt estimate decided.</summary>
        None = 0,

        /// <summary>
        /// The prompt is out of distribution: its best cosine similarity is below the profile's
        /// <c>fallback.minSimilarity</c>, or it has no usable embedding.
        /// </summary>
        OutOfDistribution = 1,

        /// <summary>
        /// The per-prompt estimate is not confident: its best allowed model leads the runner-up allowed model (by estimated
        /// quality) by less than the profile's <c>fallback.lowConfidenceMargin</c>.
        /// </summary>
        LowConfidence = 2,
    }
}
