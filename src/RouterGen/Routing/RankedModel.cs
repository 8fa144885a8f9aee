namespace RouterGen.Routing
{
    /// <summary>
    /// One allowed model in a decision's ranking (<see cref="RouteDecision.RankAlternatives"/>), with what the decision's
    /// statistics cluster expects of it. Unmanaged, so a caller can rank into a <c>stackalloc</c> buffer; the id is
    /// <c>decision.Tables.ModelIds[ModelIndex]</c>.
    /// </summary>
    /// <param name="ModelIndex">Index in the profile's model list.</param>
    /// <param name="ExpectedQuality">Expected quality in the decision's <see cref="RouteDecision.StatisticsCluster"/> (global after a fallback).</param>
    /// <param name="ExpectedCostUsd">Expected cost per request there.</param>
    /// <param name="Score">
    /// The policy's score: the cost-weighted utility, or for the shortfall policy the quality gap to the best allowed model
    /// (0 for the best, negative below it).
    /// </param>
    /// <param name="WithinShortfall">For the shortfall policy, whether the model is within the knob of the best; always true for cost-weighted.</param>
    public readonly record struct RankedModel(int ModelIndex, double ExpectedQuality, double ExpectedCostUsd, double Score, bool WithinShortfall);
}
