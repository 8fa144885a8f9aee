namespace RouterGen.Fitting
{
    /// <summary>Held-out quality and total cost of one policy point (averaged over repetitions).</summary>
    /// <param name="Point">The policy and knob.</param>
    /// <param name="Quality">Mean score over the evaluation prompts.</param>
    /// <param name="TotalCostUsd">Total cost of answering every evaluation prompt once.</param>
    /// <param name="OnFrontier">True when no other point of a deployable policy is at least as good and cheaper.</param>
    public sealed record PointResult(PolicyPoint Point, double Quality, double TotalCostUsd, bool OnFrontier);
}
