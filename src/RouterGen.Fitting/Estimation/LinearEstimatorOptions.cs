using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>Settings of the learned per-prompt quality estimator.</summary>
    public sealed class LinearEstimatorOptions
    {
        /// <summary>Principal directions the logistic heads are fit in (see <see cref="PrincipalSubspace"/>).</summary>
        public int Rank { get; set; } = 64;

        /// <summary>L2 strengths λ tried per model by inner cross-validation, strongest first (each fit warm-starts the next).</summary>
        public IReadOnlyList<double> Strengths { get; set; } = new[] { 1.0, 0.1, 0.01, 0.001, 0.0001 };

        /// <summary>Iteration cap of one solve.</summary>
        public int MaxIterations { get; set; } = 100;

        /// <summary>A solve stops when no parameter moves by more than this (relative to 1 + its size).</summary>
        public double Tolerance { get; set; } = 1e-4;
    }
}
