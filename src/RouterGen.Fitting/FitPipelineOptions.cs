namespace RouterGen.Fitting
{
    /// <summary>Options of <see cref="FitPipeline.Fit"/>.</summary>
    public sealed class FitPipelineOptions
    {
        /// <summary>Clustering seed, prior, naming.</summary>
        public FitSettings Fit { get; set; } = new FitSettings();

        /// <summary>Cluster count; 0 chooses it by cross-validated routing utility.</summary>
        public int Clusters { get; set; }

        /// <summary>
        /// The held-out pass that sets the presets and the provenance metrics (folds, repetitions, sweeps). Its
        /// <see cref="EvaluationOptions.Clusters"/> is overwritten with the fit's cluster count.
        /// </summary>
        public EvaluationOptions HeldOut { get; set; } = new EvaluationOptions { Folds = 5, Seeds = 1, BootstrapSamples = 200 };

        /// <summary>
        /// Which per-prompt estimator the profile carries: <see cref="FitPipeline.AutoEstimator"/> (the default: whichever
        /// wins by inner-fold AIQ; a learned or soft-cluster winner makes a format version 2 profile) or one of
        /// <see cref="EstimatorKinds"/> to force it (<see cref="EstimatorKinds.NearestCluster"/> is a version 1 profile).
        /// </summary>
        public string Estimator { get; set; } = FitPipeline.AutoEstimator;

        /// <summary>Attribution and license of the data, stored in provenance.</summary>
        public string? Attribution { get; set; }

        /// <summary>Creation time stored in provenance (ISO 8601); null leaves it out so that refits are byte-identical.</summary>
        public string? CreatedUtc { get; set; }
    }
}
