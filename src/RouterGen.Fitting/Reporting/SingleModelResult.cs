namespace RouterGen.Fitting
{
    /// <summary>A single model answering every evaluation prompt.</summary>
    /// <param name="ModelId">Model id.</param>
    /// <param name="Quality">Mean score.</param>
    /// <param name="TotalCostUsd">Total cost.</param>
    /// <param name="OnFrontier">True when no other single model is at least as good and cheaper.</param>
    public sealed record SingleModelResult(string ModelId, double Quality, double TotalCostUsd, bool OnFrontier);
}
