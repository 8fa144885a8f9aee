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

        /// <summary>
        /// How each head's raw logit becomes a quality: <see cref="HeadCalibration.Platt"/> (σ(a·t + b)),
        /// <see cref="HeadCalibration.Isotonic"/> (a monotone table, <see cref="IsotonicCalibration"/>), or
        /// <see cref="HeadCalibration.Auto"/>: per model, whichever has the lower cross-entropy when each is fit on the other
        /// inner folds' out-of-fold logits and scored on the held-back fold (Platt on a tie).
        /// </summary>
        public HeadCalibration Calibration { get; set; } = HeadCalibration.Platt;

        /// <summary>L2 strengths λ tried per model by inner cross-validation, strongest first (each fit warm-starts the next).</summary>
        public IReadOnlyList<double> Strengths { get; set; } = new[] { 1.0, 0.1, 0.01, 0.001, 0.0001 };

        /// <summary>Iteration cap of one solve.</summary>
        public int MaxIterations { get; set; } = 100;

        /// <summary>A solve stops when no parameter moves by more than this (relative to 1 + its size).</summary>
        public double Tolerance { get; set; } = 1e-4;
    }

    /// <summary>The calibration of the learned estimator's heads (<see cref="LinearEstimatorOptions.Calibration"/>).</summary>
    public enum HeadCalibration
    {
        /// <summary>Platt scaling: quality = σ(a · logit + b), two numbers per model.</summary>
        Platt,

        /// <summary>Isotonic regression (pool-adjacent-violators): a monotone table per model.</summary>
        Isotonic,

        /// <summary>Per model, Platt or isotonic by cross-fitted inner-fold cross-entropy.</summary>
        Auto,
    }
}
