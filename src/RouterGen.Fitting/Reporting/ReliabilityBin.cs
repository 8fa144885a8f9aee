namespace RouterGen.Fitting
{
    /// <summary>One bin of a reliability table: held-out prompts whose predicted quality fell in [Lower, Upper).</summary>
    /// <param name="Lower">Lower edge of the predicted-quality bin.</param>
    /// <param name="Upper">Upper edge.</param>
    /// <param name="Count">Predictions in the bin (prompt × repetition).</param>
    /// <param name="MeanPredicted">Mean predicted quality in the bin.</param>
    /// <param name="MeanObserved">Mean actual score in the bin.</param>
    public sealed record ReliabilityBin(double Lower, double Upper, int Count, double MeanPredicted, double MeanObserved);
}
