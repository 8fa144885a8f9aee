namespace RouterGen.Fitting
{
    /// <summary>The router against one single model.</summary>
    /// <param name="ModelId">The single model.</param>
    /// <param name="Quality">Its quality.</param>
    /// <param name="TotalCostUsd">Its total cost.</param>
    /// <param name="RouterQualityAtCost">Best router quality at no more than its cost (NaN when every router point costs more).</param>
    /// <param name="CheapestPointReachingQuality">The cheapest router point with at least its quality, or null.</param>
    /// <param name="CostOfCheapestPoint">That point's total cost (NaN when none).</param>
    public sealed record SingleModelComparison(string ModelId, double Quality, double TotalCostUsd, double RouterQualityAtCost, PolicyPoint? CheapestPointReachingQuality, double CostOfCheapestPoint);
}
