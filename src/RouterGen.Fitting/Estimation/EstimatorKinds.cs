namespace RouterGen.Fitting
{
    /// <summary>Per-prompt quality estimators a fit can choose between.</summary>
    public static class EstimatorKinds
    {
        /// <summary>The nearest cluster's shrunk statistics (what a v1 profile routes by).</summary>
        public const string NearestCluster = "nearest-cluster";

        /// <summary>Similarity-weighted statistics of the top-n nearest clusters (Avengers-Pro).</summary>
        public const string SoftClusters = "soft-clusters";

        /// <summary>Per-model calibrated logistic regression on the embedding, with cluster costs.</summary>
        public const string Linear = "linear";
    }
}
