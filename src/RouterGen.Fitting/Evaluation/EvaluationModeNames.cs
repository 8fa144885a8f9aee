namespace RouterGen.Fitting
{
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
