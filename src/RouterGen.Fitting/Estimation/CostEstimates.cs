namespace RouterGen.Fitting
{
    /// <summary>Where a router's per-model cost of a prompt comes from when it applies the knob.</summary>
    public static class CostEstimates
    {
        /// <summary>The mean cost of the prompt's cluster (or the blend of its nearest clusters' means): what every profile routes by.</summary>
        public const string ClusterMean = "cluster-mean";

        /// <summary>A learned head per model on the embedding (<see cref="LinearCostEstimator"/>, log cost).</summary>
        public const string Linear = "linear";

        /// <summary>
        /// The prompt's true cost per model from the data set: an upper bound for measurement only (a router cannot know a
        /// measured cost before the request runs; with costs from list prices it equals what the prompt's length gives).
        /// </summary>
        public const string PerPromptTrue = "per-prompt-true";
    }
}
