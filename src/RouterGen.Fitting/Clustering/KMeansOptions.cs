namespace RouterGen.Fitting
{
    /// <summary>Settings of one k-means run.</summary>
    public sealed record KMeansOptions
    {
        /// <summary>Independent k-means++ starts; the one with the lowest within-cluster distance wins.</summary>
        public int Restarts { get; set; } = 4;

        /// <summary>Lloyd iterations per start (it usually converges well before this).</summary>
        public int MaxIterations { get; set; } = 100;

        /// <summary>Seed of the k-means++ draws.</summary>
        public ulong Seed { get; set; } = 42;

        /// <summary>
        /// With more points than this, centroids are learnt on a seeded random sample of this many points and every point
        /// is then assigned once: the centroids of 20,000 points are as good as those of 100,000 for a few dozen clusters,
        /// at a fifth of the time and memory. 0 always uses every point.
        /// </summary>
        public int MaxSamplePoints { get; set; } = 20_000;

        /// <summary>Lloyd iterations stop once at most this share of points change cluster.</summary>
        public double ConvergedFraction { get; set; } = 0.001;

        /// <summary>A copy with another seed and restart count.</summary>
        public KMeansOptions With(ulong seed, int restarts) => this with { Seed = seed, Restarts = restarts };
    }
}
