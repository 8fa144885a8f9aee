using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>Settings of the learned per-prompt quality estimator.</summary>
    public sealed class LinearEstimatorOptions
    {
        /// <summary>
        /// Candidate numbers of principal directions the logistic heads are fit in (see <see cref="PrincipalSubspace"/>),
        /// capped at the embedding's dimension; each fit takes the one with the lowest inner-fold cross-entropy (summed over
        /// models, each at its own best strength), ties to the smaller. 64 directions can lose the within-task signal of a
        /// dense sentence-transformer embedding; more cost a larger fit, so the fit prompts decide.
        /// </summary>
        public IReadOnlyList<int> Ranks { get; set; } = new[] { 64, 128, 256 };

        /// <summary>
        /// A candidate rank above the smallest is tried only when the fit has at least this many prompts per direction:
        /// on a few hundred prompts more directions only add variance (and fit time), so the smallest candidate is used.
        /// </summary>
        public int MinPromptsPerDirection { get; set; } = 20;

        /// <summary>
        /// Also fit every candidate rank on principal coordinates scaled to unit variance, and keep whichever has the lower
        /// inner-fold cross-entropy (the unscaled ones on a tie): one L2 strength grid then means the same for embedders whose
        /// prompts spread very differently. Off by default: in every llmrouter-9 fit (built-in, MiniLM, arctic-embed-xs) the
        /// inner folds kept the raw coordinates, and trying both doubles the estimator's fit time.
        /// </summary>
        public bool TryUnitVariance { get; set; }

        /// <summary>L2 strengths λ tried per model by inner cross-validation, strongest first (each fit warm-starts the next).</summary>
        public IReadOnlyList<double> Strengths { get; set; } = new[] { 1.0, 0.1, 0.01, 0.001, 0.0001 };

        /// <summary>Iteration cap of one solve.</summary>
        public int MaxIterations { get; set; } = 100;

        /// <summary>A solve stops when no parameter moves by more than this (relative to 1 + its size).</summary>
        public double Tolerance { get; set; } = 1e-4;
    }
}
