using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RouterGen.Profiles;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Tests
{
    public sealed class QuantizedCentroidTests
    {
        private static float[] UnitCentroids(int dimension, int clusters, int seed) => CentroidSearchTests.UnitCentroids(dimension, clusters, seed);

        [Fact]
        public void HalfBitsAreTheRuntimesHalfRoundingForEveryNormalHalfAndZeroBelowIt()
        {
            // Every float bit pattern from 2^-16 to 2 in steps that hit every half interval, its midpoints and both neighbours.
            var random = new Random(5);
            for (int i = 0; i < 200_000; i++)
            {
                float value = (float)(random.NextDouble() * 2) * (random.Next(2) == 0 ? 1 : -1);
                if (i % 4 == 0)
                {
                    // Exact midpoints between two halves: ties go to the even one, as (Half) does.
                    value = ((float)BitConverter.UInt16BitsToHalf((ushort)random.Next(0x0400, 0x3C00)) + (float)BitConverter.UInt16BitsToHalf((ushort)(random.Next(0x0400, 0x3C00) | 1))) / 2;
                }

                ushort bits = CentroidQuantization.ToHalfBits(value);
                ushort expected = MathF.Abs(value) < MathF.ScaleB(1f, -14)
                    ? (ushort)(value < 0 || (value == 0 && float.IsNegative(value)) ? 0x8000 : 0)
                    : BitConverter.HalfToUInt16Bits((Half)value);
                Assert.True(expected == bits, $"{value:R}: {bits:X4} instead of {expected:X4}");
                Assert.Equal((float)BitConverter.UInt16BitsToHalf(bits), CentroidQuantization.HalfBitsToSingle(bits));
            }

            Assert.Equal(0, CentroidQuantization.ToHalfBits(6e-5f));
            Assert.Equal(0x8000, CentroidQuantization.ToHalfBits(-6e-5f));
            Assert.Equal(0x7BFF, CentroidQuantization.ToHalfBits(1e6f));
        }

        [Fact]
        public void Int8RowsUseTheLargestMagnitudeAsPlusOrMinus127()
        {
            float[] row = RoutingMath.Normalize(new[] { 0.5f, -2f, 0.25f, 1.5f, 0f, -0.01f });
            var levels = new sbyte[row.Length];
            float scale = CentroidQuantization.QuantizeInt8(row, 0, row.Length, levels, 0);

            Assert.Equal(MathF.Abs(row[1]) / 127, scale);
            Assert.Equal(new sbyte[] { 32, -127, 16, 95, 0, -1 }, levels);
            for (int i = 0; i < row.Length; i++)
            {
                Assert.InRange(row[i] - (levels[i] * scale), -scale / 2 - 1e-7, scale / 2 + 1e-7);
            }
        }

        public static TheoryData<int, int, int, int> Shapes()
        {
            // Cluster counts below, at and past the 8-row pass (padding rows); dimensions of whole 16- and 8-number vectors
            // and ones with a tail; every precision and kernel width.
            var shapes = new TheoryData<int, int, int, int>();
            foreach (CentroidPrecision precision in new[] { CentroidPrecision.Float16, CentroidPrecision.Int8 })
            {
                foreach (int clusters in new[] { 1, 7, 8, 9, 17, 100 })
                {
                    foreach (int dimension in new[] { 8, 16, 24, 37, 384, 385 })
                    {
                        foreach (KernelWidth width in Enum.GetValues<KernelWidth>())
                        {
                            shapes.Add((int)precision, clusters, dimension, (int)width);
                        }
                    }
                }
            }

            return shapes;
        }

        [Theory]
        [MemberData(nameof(Shapes))]
        public void EveryKernelWidthFindsTheRowADoublePrecisionScanOfTheDequantizedRowsFinds(int precision, int clusters, int dimension, int width)
        {
            var centroids = QuantizedCentroids.Quantize((CentroidPrecision)precision, dimension, UnitCentroids(dimension, clusters, clusters * 1000 + dimension));
            double[] dequantized = Enumerable.Range(0, clusters * dimension).Select(i => (double)centroids.Dequantize(i / dimension, i % dimension)).ToArray();
            var random = new Random(dimension + clusters);
            for (int trial = 0; trial < 12; trial++)
            {
                // Scaled like real embeddings and not: the search divides by the norm itself.
                float[] embedding = Enumerable.Range(0, dimension).Select(_ => (float)((random.NextDouble() - 0.5) * (trial + 1) * 3)).ToArray();
                double norm = Math.Sqrt(embedding.Sum(x => (double)x * x));
                double[] similarities = Enumerable.Range(0, clusters)
                    .Select(c => Enumerable.Range(0, dimension).Sum(d => dequantized[(c * dimension) + d] * embedding[d]) / norm)
                    .ToArray();
                int expected = Array.IndexOf(similarities, similarities.Max());

                int actual = centroids.Nearest(embedding, (KernelWidth)width, out float similarity);

                Assert.True(actual == expected || Math.Abs(similarities[actual] - similarities[expected]) < 1e-5, $"row {actual} ({similarities[actual]}) instead of {expected} ({similarities[expected]})");
                Assert.InRange(similarity, similarities[actual] - 1e-5, similarities[actual] + 1e-5);
            }
        }

        [Theory]
        [InlineData(CentroidPrecision.Float16)]
        [InlineData(CentroidPrecision.Int8)]
        public void NearestClustersRankLikeADoubleScanAndStartWithNearest(CentroidPrecision precision)
        {
            const int Dimension = 384, Clusters = 37;
            var centroids = QuantizedCentroids.Quantize(precision, Dimension, UnitCentroids(Dimension, Clusters, 9));
            var random = new Random(11);
            Span<int> nearest = stackalloc int[5];
            Span<float> similarities = stackalloc float[5];
            for (int trial = 0; trial < 50; trial++)
            {
                float[] embedding = Enumerable.Range(0, Dimension).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
                double norm = Math.Sqrt(embedding.Sum(x => (double)x * x));
                double[] reference = Enumerable.Range(0, Clusters)
                    .Select(c => Enumerable.Range(0, Dimension).Sum(d => (double)centroids.Dequantize(c, d) * embedding[d]) / norm).ToArray();

                Assert.Equal(5, centroids.NearestClusters(embedding, nearest, similarities));
                int first = centroids.Nearest(embedding, out float similarity);

                Assert.Equal(first, nearest[0]);
                Assert.Equal(similarity, similarities[0]);
                double[] expected = reference.OrderByDescending(x => x).Take(5).ToArray();
                for (int i = 0; i < 5; i++)
                {
                    Assert.InRange(similarities[i], expected[i] - 1e-5, expected[i] + 1e-5);
                    Assert.InRange(reference[nearest[i]], expected[i] - 1e-5, expected[i] + 1e-5);
                }
            }
        }

        [Theory]
        [InlineData(0f)]
        [InlineData(float.NaN)]
        [InlineData(float.PositiveInfinity)]
        public void ZeroOrNonFiniteEmbeddingsHaveNoNearestCluster(float value)
        {
            foreach (CentroidPrecision precision in new[] { CentroidPrecision.Float16, CentroidPrecision.Int8 })
            {
                var centroids = QuantizedCentroids.Quantize(precision, 16, UnitCentroids(16, 3, 1));
                float[] embedding = new float[16];
                embedding[3] = value;
                Assert.Equal(-1, centroids.Nearest(embedding, out float similarity));
                Assert.Equal(0, similarity);
            }
        }

        [Theory]
        [InlineData(1e-30)]
        [InlineData(1e30)]
        public void TinyOrHugeEmbeddingsRouteLikeTheirUnitScaleCopy(double scale)
        {
            foreach (CentroidPrecision precision in new[] { CentroidPrecision.Float16, CentroidPrecision.Int8 })
            {
                var centroids = QuantizedCentroids.Quantize(precision, 384, UnitCentroids(384, 20, 2));
                var random = new Random(3);
                for (int trial = 0; trial < 20; trial++)
                {
                    float[] unit = Enumerable.Range(0, 384).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
                    float[] scaled = unit.Select(x => (float)(x * scale)).ToArray();
                    Assert.Equal(centroids.Nearest(unit, out float expected), centroids.Nearest(scaled, out float similarity));
                    Assert.InRange(similarity, expected - 1e-4f, expected + 1e-4f);
                }
            }
        }

        [Theory]
        [InlineData(CentroidPrecision.Float16, 2)]
        [InlineData(CentroidPrecision.Int8, 1)]
        public void StorageStartsOnA64ByteBoundaryWithTheBytesThePrecisionNames(CentroidPrecision precision, int bytesPerNumber)
        {
            var centroids = QuantizedCentroids.Quantize(precision, 384, UnitCentroids(384, 64, 4));
            Assert.Equal(64 * 384 * bytesPerNumber, centroids.Bytes.Length);
            // The byte offset from address 0 is the address (no unsafe code needed).
            Assert.Equal(0, Unsafe.ByteOffset(ref Unsafe.NullRef<byte>(), ref MemoryMarshal.GetReference(centroids.Bytes)) % AlignedCentroids.Alignment);
            Assert.Equal(precision == CentroidPrecision.Int8 ? 64 : 0, centroids.Scales.Length);
        }

        [Theory]
        [InlineData("float16", CentroidPrecision.Float16)]
        [InlineData("int8", CentroidPrecision.Int8)]
        [InlineData("float32", CentroidPrecision.Float32)]
        public void PrecisionIsReadWrittenAndRoutedWith(string name, CentroidPrecision precision)
        {
            ProfileDefinition profile = ProfileLoadingTests.SmallProfile();
            profile.CentroidPrecision = precision;
            string json = ProfileWriter.ToJson(profile);
            Assert.Equal(precision != CentroidPrecision.Float32, json.Contains($"\"centroidPrecision\": \"{name}\"", StringComparison.Ordinal));

            ProfileReadResult result = ProfileReader.Read(json);
            Assert.Empty(result.Problems);
            Assert.Equal(precision, result.Profile!.CentroidPrecision);
            Assert.Equal(json, ProfileWriter.ToJson(result.Profile));

            RouterProfile router = RouterProfile.Parse(json, "small.router.json");
            Assert.Equal(precision, router.QuantizedCentroids?.Precision ?? CentroidPrecision.Float32);
            float[] nearHard = new float[16];
            nearHard[1] = 1;
            nearHard[0] = 0.2f;
            RouteDecision decision = router.Route(nearHard);
            Assert.Equal(1, decision.ClusterIndex);
            Assert.Equal("strong", decision.ModelId);
        }

        [Fact]
        public void AProfileWithoutThePrecisionIsWrittenAsBefore()
        {
            Assert.DoesNotContain("centroidPrecision", ProfileWriter.ToJson(ProfileLoadingTests.SmallProfile()), StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("\"float64\"", "RG0016", "centroidPrecision \"float64\" is not known")]
        [InlineData("\"Float16\"", "RG0016", "is not known")]
        [InlineData("16", "RG0004", "centroidPrecision")]
        public void ABadPrecisionIsAnErrorAtItsValue(string value, string id, string message)
        {
            string json = ProfileWriter.ToJson(ProfileLoadingTests.SmallProfile())
                .Replace("  \"clusters\": [", $"  \"centroidPrecision\": {value},\n  \"clusters\": [", StringComparison.Ordinal);
            int line = json.Split('\n').ToList().FindIndex(l => l.Contains("centroidPrecision", StringComparison.Ordinal)) + 1;

            ProfileException e = Assert.Throws<ProfileException>(() => RouterProfile.Parse(json, "bad.router.json"));

            Assert.Contains($"bad.router.json({line},24): error {id}", e.Message, StringComparison.Ordinal);
            Assert.Contains(message, e.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(CentroidPrecision.Float16)]
        [InlineData(CentroidPrecision.Int8)]
        public void ALoadedReducedPrecisionRouterRoutesWithoutAllocating(CentroidPrecision precision)
        {
            ProfileDefinition profile = ProfileLoadingTests.SmallProfile(384);
            profile.CentroidPrecision = precision;
            RouterProfile router = RouterProfile.Parse(ProfileWriter.ToJson(profile), "small.router.json");
            float[] embedding = Enumerable.Range(0, 384).Select(i => (float)Math.Sin(i)).ToArray();
            for (int i = 0; i < 2000; i++)
            {
                router.Route(embedding);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                router.Route(embedding);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
