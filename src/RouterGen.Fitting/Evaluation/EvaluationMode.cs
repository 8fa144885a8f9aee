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

    /// <summary>The text names of <see cref="EvaluationMode"/> values, as evaluation reports write them.</summary>
    public static class EvaluationModeNames
    {
        /// <summary>The name of <see cref="EvaluationMode.CrossValidation"/>.</summary>
        public const string CrossValidation = "cross-validation";

        /// <summary>The name of <see cref="EvaluationMode.Split"/>.</summary>
        public const string Split = "split";

        /// <summary>The name of <paramref name="mode"/>.</summary>
        public static string Format(EvaluationMode mode) => mode == EvaluationMode.Split ? Split : CrossValidation;
    }
}
