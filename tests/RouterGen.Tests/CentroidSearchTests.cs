using System;
using System.Linq;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Tests
{
    public sealed class CentroidSearchTests
    {
        // Three unit centroids in 2000 dimensions (longer than the stack copy, so the rented path runs too) and in 8.
        private static float[] UnitCentroids(int dimension, int clusters, int seed)
        {
            var random = new Random(seed);
            var rows = new float[clusters * dimension];
            for (int c = 0; c < clusters; c++)
            {
                float[] row = Enumerable.Range(0, dimension).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
                RoutingMath.Normalize(row).CopyTo(rows, c * dimension);
            }

            return rows;
        }

        [Theory]
        [InlineData(8, 1e-25)]
        [InlineData(8, 1e-35)]
        [InlineData(8, 1e25)]
        [InlineData(2000, 1e-25)]
        [InlineData(2000, 1e30)]
        public void FiniteTinyOrHugeEmbeddingsRouteLikeTheirUnitScaleCopy(int dimension, double scale)
        {
            float[] centroids = UnitCentroids(dimension, 7, dimension);
            var random = new Random(3);
            for (int trial = 0; trial < 20; trial++)
            {
                float[] unit = Enumerable.Range(0, dimension).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
                float[] scaled = unit.Select(x => (float)(x * scale)).ToArray();
                Assert.True(scaled.Any(x => x != 0) && scaled.All(float.IsFinite), "the scaled embedding is finite and not zero");

                int expected = CentroidSearch.Nearest(centroids, dimension, unit, out float expectedSimilarity);
                int actual = CentroidSearch.Nearest(centroids, dimension, scaled, out float similarity);

                Assert.Equal(expected, actual);
                Assert.InRange(similarity, expectedSimilarity - 1e-3f, expectedSimilarity + 1e-3f);
            }
        }

        [Theory]
        [InlineData(0f)]
        [InlineData(float.NaN)]
        [InlineData(float.PositiveInfinity)]
        public void ZeroOrNonFiniteEmbeddingsHaveNoNearestCluster(float value)
        {
            float[] centroids = UnitCentroids(8, 3, 1);
            float[] embedding = new float[8];
            embedding[3] = value;

            Assert.Equal(-1, CentroidSearch.Nearest(centroids, 8, embedding, out float similarity));
            Assert.Equal(0, similarity);
        }
    }
}
