namespace RouterGen.Fitting
{
    /// <summary>One vertex of a quality–cost hull.</summary>
    /// <param name="CostUsd">Total cost.</param>
    /// <param name="Quality">Mean quality.</param>
    public readonly record struct FrontierVertex(double CostUsd, double Quality);
}
