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

        /// <summary>Attribution and license of the data, stored in provenance.</summary>
        public string? Attribution { get; set; }

        /// <summary>Creation time stored in provenance (ISO 8601); null leaves it out so that refits are byte-identical.</summary>
        public string? CreatedUtc { get; set; }
    }
}
