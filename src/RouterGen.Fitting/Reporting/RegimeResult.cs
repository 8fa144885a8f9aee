namespace RouterGen.Fitting
{
    /// <summary>One of HyDRA's three operating regimes.</summary>
    /// <param name="Name">"peak-quality", "match-best-single" or "within-3-points".</param>
    /// <param name="Description">What the regime measures.</param>
    /// <param name="Point">The router point read off (null when none qualifies).</param>
    /// <param name="Quality">Its quality.</param>
    /// <param name="TotalCostUsd">Its total cost.</param>
    /// <param name="QualityDelta">Quality minus the best single model's, with interval.</param>
    /// <param name="CostSaving">1 − cost / best single model's cost, with interval.</param>
    public sealed record RegimeResult(string Name, string Description, PolicyPoint? Point, double Quality, double TotalCostUsd, Interval QualityDelta, Interval CostSaving);
}
