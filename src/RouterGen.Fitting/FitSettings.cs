namespace RouterGen.Fitting
{
    /// <summary>Settings of one clustering + statistics fit.</summary>
    public sealed record FitSettings
    {
        /// <summary>Router name (a C# identifier: the generated class name).</summary>
        public string RouterName { get; set; } = "Router";

        /// <summary>Optional namespace of the generated class.</summary>
        public string? Namespace { get; set; }

        /// <summary>Optional description copied into the profile.</summary>
        public string? Description { get; set; }

        /// <summary>k-means settings (seed, restarts, iterations).</summary>
        public KMeansOptions KMeans { get; set; } = new KMeansOptions();

        /// <summary>Beta prior strength α in pseudo-prompts; null chooses it by leave-one-out likelihood.</summary>
        public double? PriorStrength { get; set; }

        /// <summary>
        /// minSimilarity is this quantile of the fit prompts' similarity to their own centroid. The default, 0, takes the
        /// least similar fit prompt: no prompt like the ones the router was fit on falls back, only prompts further from
        /// every centroid than anything seen (the fallback model ignores the cost knob, so false alarms are expensive).
        /// </summary>
        public double MinSimilarityQuantile { get; set; }

        /// <summary>Distinctive terms per cluster label.</summary>
        public int LabelTerms { get; set; } = 3;
    }
}
