namespace RouterGen.Fitting
{
    /// <summary>Result of k-means: unit centroids and which centroid each point belongs to.</summary>
    /// <param name="Centroids">k unit-length centroids, row-major.</param>
    /// <param name="Assignment">Cluster of each input point, in input order.</param>
    /// <param name="Sizes">Points per cluster.</param>
    /// <param name="Similarity">Cosine similarity of each point to its centroid, in input order.</param>
    /// <param name="Inertia">Sum over points of (1 − cosine similarity to their centroid).</param>
    public sealed record KMeansResult(float[] Centroids, int[] Assignment, int[] Sizes, float[] Similarity, double Inertia)
    {
        /// <summary>Number of clusters.</summary>
        public int K => Sizes.Length;
    }
}
