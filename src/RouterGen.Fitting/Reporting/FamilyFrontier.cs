namespace RouterGen.Fitting
{
    /// <summary>One policy family over its whole knob range (see <see cref="QualityCostFrontier"/>).</summary>
    /// <param name="Family">One of <see cref="PolicyFamilies"/>, or <see cref="FamilyFrontier.Deployable"/> for every deployable point together.</param>
    /// <param name="Aiq">RouterBench AIQ on the report's common cost range, with a bootstrap interval over prompts.</param>
    /// <param name="AiqMinusSingleHull">AIQ minus the single-model hull's AIQ on the same prompts, with interval.</param>
    /// <param name="MaxQuality">The family's highest quality at any knob (the secondary figure).</param>
    /// <param name="MaxQualityCostUsd">That point's total cost.</param>
    /// <param name="CheapestReachingBestSingle">The cheapest point with at least the best single model's quality, or null.</param>
    /// <param name="CostShareToReachBestSingle">That point's cost as a share of the best single model's cost (NaN when none).</param>
    public sealed record FamilyFrontier(string Family, Interval Aiq, Interval AiqMinusSingleHull, double MaxQuality, double MaxQualityCostUsd, PolicyPoint? CheapestReachingBestSingle, double CostShareToReachBestSingle)
    {
        /// <summary>Name of the pseudo-family that pools every deployable point (<see cref="PolicyFamilies.Deployable"/>: the estimator a fit ships, under both policies).</summary>
        public const string Deployable = "deployable";
    }
}
