namespace RouterGen.Fitting
{
    /// <summary>Progress of a long evaluation: fits done out of fits planned.</summary>
    /// <param name="Done">Fits finished.</param>
    /// <param name="Total">Fits planned.</param>
    /// <param name="Stage">What is happening ("embedding", "fitting folds").</param>
    public sealed record EvaluationProgress(int Done, int Total, string Stage);
}
