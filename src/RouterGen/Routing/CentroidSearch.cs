using System;
using System.Numerics.Tensors;

namespace RouterGen.Routing
{
    /// <summary>The nearest-centroid kernel shared by generated and runtime-loaded routers.</summary>
    public static class CentroidSearch
    {
        /// <summary>
        /// Finds the centroid with the highest cosine similarity to <paramref name="embedding"/>.
        /// </summary>
        /// <param name="unitCentroids">Unit-length centroids, row-major, <paramref name="dimension"/> floats per row.</param>
        /// <param name="dimension">Embedding dimension.</param>
        /// <param name="embedding">The prompt's embedding (any non-zero length; it is not modified).</param>
        /// <param name="similarity">Cosine similarity to the chosen centroid; 0 when there is none.</param>
        /// <returns>The cluster index, or -1 when the embedding is zero or not finite (the caller falls back).</returns>
        public static int Nearest(ReadOnlySpan<float> unitCentroids, int dimension, ReadOnlySpan<float> embedding, out float similarity)
        {
            // TensorPrimitives vectorises with Vector512 where the CPU has AVX-512, else Vector256/128.
            float norm = TensorPrimitives.Norm(embedding);
            if (!(norm > 0) || !float.IsFinite(norm))
            {
                similarity = 0;
                return -1;
            }

            int best = -1;
            float bestDot = float.NegativeInfinity;
            for (int offset = 0, cluster = 0; offset < unitCentroids.Length; offset += dimension, cluster++)
            {
                float dot = TensorPrimitives.Dot(unitCentroids.Slice(offset, dimension), embedding);
                if (dot > bestDot)
                {
                    bestDot = dot;
                    best = cluster;
                }
            }

            similarity = best < 0 ? 0 : bestDot / norm;
            return best;
        }
    }
}
