namespace RouterGen.Fitting
{
    /// <summary>How held-out evaluation separates the prompts it fits on from the prompts it scores.</summary>
    public enum EvaluationMode
    {
        /// <summary>k-fold cross-validation, repeated over several shuffles.</summary>
        CrossValidation = 0,

        /// <summary>A fixed split: fit on one named split of the data set (e.g. train), score on another (e.g. test).</summary>
        Split = 1,
    }
}
