using System;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Tests
{
    public sealed class CentroidSearchTests
    {
        // Three unit centroids in 2000 dimensions (longer than the stack copy, so the rented path runs too) and in 8.
        internal static float[] UnitCentroids(int dimension, int clusters, int seed)
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

        public static TheoryData<int, int, int> Shapes()
        {
            // Cluster counts below, at and past the 8-row pass (with remainders); dimensions that are whole vectors
            // of 16 and of 8 floats, and ones with a tail the vector loop does not cover.
            var shapes = new TheoryData<int, int, int>();
            foreach (int clusters in new[] { 1, 7, 8, 9, 17, 64, 100 })
            {
                foreach (int dimension in new[] { 8, 16, 24, 37, 384, 385, 512 })
                {
                    foreach (KernelWidth width in Enum.GetValues<KernelWidth>())
                    {
                        shapes.Add(clusters, dimension, (int)width);
                    }
                }
            }

            return shapes;
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void EveryKernelWidthFindsTheRowADoublePrecisionScanFinds(int clusters, int dimension, int width)
        {
            float[] centroids = UnitCentroids(dimension, clusters, clusters * 1000 + dimension);
            var random = new Random(dimension + clusters);
            for (int trial = 0; trial < 12; trial++)
            {
                float[] embedding = Enumerable.Range(0, dimension).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
                double[] dots = Enumerable.Range(0, clusters)
                    .Select(c => Enumerable.Range(0, dimension).Sum(d => (double)centroids[(c * dimension) + d] * embedding[d]))
                    .ToArray();
                int expected = Array.IndexOf(dots, dots.Max());

                int actual = CentroidSearch.Search(centroids, dimension, embedding, (KernelWidth)width, out float bestDot);

                // Float sums in another order differ from the double scan in the last bits: only a near-tie may flip.
                Assert.True(actual == expected || Math.Abs(dots[actual] - dots[expected]) < 1e-5, $"row {actual} ({dots[actual]}) instead of {expected} ({dots[expected]})");
                Assert.InRange(bestDot, dots[actual] - 1e-5, dots[actual] + 1e-5);
            }
        }

        [Fact]
        public void TheAvx512KernelIsTheOneThatRunsWhereTheCpuHasIt()
        {
            // Where this fails, the 512-bit copy above was tested but never runs (the JIT does not accelerate it).
            KernelWidth expected = Vector512.IsHardwareAccelerated ? KernelWidth.Vector512
                : Vector256.IsHardwareAccelerated ? KernelWidth.Vector256 : KernelWidth.PerRow;
            Assert.Equal(expected, CentroidSearch.PreferredWidth);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(5)]
        [InlineData(64 * 384)]
        [InlineData(256 * 768)]
        public void AlignedCentroidsStartOnA64ByteBoundaryAndKeepTheValues(int length)
        {
            float[] values = Enumerable.Range(0, length).Select(i => (float)i / length).ToArray();
            for (int copy = 0; copy < 8; copy++)
            {
                AlignedCentroids aligned = AlignedCentroids.Copy(values);
                GC.Collect();
                ReadOnlySpan<float> rows = aligned.Rows;
                nint address = AddressOf(rows);
                Assert.Equal(0, address % AlignedCentroids.Alignment);
                Assert.True(rows.SequenceEqual(values));
            }
        }

        // The byte offset from address 0 is the address (no unsafe code needed).
        private static nint AddressOf(ReadOnlySpan<float> rows) =>
            Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref MemoryMarshal.GetReference(rows));
    }
}
