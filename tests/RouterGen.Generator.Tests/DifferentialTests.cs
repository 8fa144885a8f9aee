using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Generator.Tests
{
    /// <summary>
    /// A generated router and the runtime-loaded router of the same profile must decide identically: same model, cluster,
    /// similarity (bit for bit), fallback flag, expectations and ranked alternatives, for any embedding, policy, knob and mask.
    /// </summary>
    public sealed class DifferentialTests
    {
        private const int EmbeddingsPerProfile = 10_000;

        public static TheoryData<string> Profiles() => new()
        {
            "fixture:tiny.router.json",
            "fixture:onnx.router.json",
            "random:16x384x6",
            "random:64x384x24",
            "random:100x512x12",
            "random:256x768x9",
            "random:16x384x6:linear",
            "random:24x384x24:linear",
            "random:24x384x24:linear-isotonic",
            "random:64x256x12:soft-clusters:3",
            "random:8x384x24:soft-clusters:8",
            "fixture:tiny-half.router.json",
            "fixture:tiny-int8.router.json",
            "random:64x384x24@float16",
            "random:24x384x24:linear@float16",
            "random:64x384x24@int8",
            "random:24x384x24:linear@int8",
            "random:64x256x12:soft-clusters:3@float16",
            "random:64x256x12:soft-clusters:3@int8",
        };

        [Theory]
        [MemberData(nameof(Profiles))]
        public void GeneratedAndLoadedRoutersDecideIdentically(string profile)
        {
            RouterPair pair = Resolve(profile);
            int mismatches = CompareOnRandomEmbeddings(pair, seed: profile.GetHashCode(StringComparison.Ordinal));
            Assert.Equal(0, mismatches);

            // A profile with an estimator must actually decide by it (at a centroid, in distribution), or the comparison
            // above would only have compared the cluster path twice.
            float[] atCentroid = pair.Loaded.UnitCentroids[..pair.Loaded.Tables.Dimension].ToArray();
            Assert.Equal(pair.Loaded.Definition.Estimator != null, pair.Generated(atCentroid, default).IsEstimated);
        }

        /// <summary>Estimator profiles with a low-confidence margin set so that a real share of in-distribution prompts falls back.</summary>
        public static TheoryData<string> LowConfidenceProfiles() => new()
        {
            "random:16x384x6:linear%0.1",
            "random:24x384x24:linear%0.02",
            "random:64x256x12:soft-clusters:3%0.03",
            "random:24x384x24:linear%0.02@int8",
        };

        [Theory]
        [MemberData(nameof(LowConfidenceProfiles))]
        public void LowConfidenceFallbackDecidesIdenticallyAndOnlySometimes(string profile)
        {
            RouterPair pair = Resolve(profile);
            int inDistribution = 0, lowConfidence = 0;
            int mismatches = CompareOnRandomEmbeddings(pair, seed: profile.GetHashCode(StringComparison.Ordinal), observe: d =>
            {
                inDistribution += d.FallbackReason == RouteFallbackReason.OutOfDistribution ? 0 : 1;
                lowConfidence += d.FallbackReason == RouteFallbackReason.LowConfidence ? 1 : 0;
            });

            Assert.Equal(0, mismatches);
            // Neither never nor always: otherwise the comparison would have exercised only one of the two paths.
            Assert.InRange(lowConfidence, 1, inDistribution - 1);
        }

        /// <summary>Profiles of each kind (cluster-only, learned linear, soft clusters) for the per-request top-clusters policy.</summary>
        public static TheoryData<string, int> TopClusterProfiles() => new()
        {
            { "random:16x384x6", 2 },
            { "random:16x384x6", 3 },
            { "random:64x384x24", 2 },
            { "random:64x384x24", 3 },
            { "random:24x384x24:linear", 2 },
            { "random:24x384x24:linear", 3 },
            { "random:64x256x12:soft-clusters:3", 2 },
            { "random:64x256x12:soft-clusters:3", 3 },
            { "random:64x384x24@float16", 3 },
            { "random:64x384x24@int8", 3 },
            { "random:24x384x24:linear@int8", 2 },
        };

        [Theory]
        [MemberData(nameof(TopClusterProfiles))]
        public void GeneratedAndLoadedRoutersDecideIdenticallyWithARequestsTopClusters(string profile, int topClusters)
        {
            RouterPair pair = Resolve(profile);
            int mismatches = CompareOnRandomEmbeddings(pair, seed: profile.GetHashCode(StringComparison.Ordinal) + topClusters, topClusters: topClusters);
            Assert.Equal(0, mismatches);

            // The blend must actually decide: in distribution, some prompts whose nearest cluster alone picks one model pick
            // another from the p nearest (else the comparison above compared the nearest-cluster path twice).
            var random = new Random(topClusters);
            int moved = 0;
            RoutingOptions nearestOnly = RoutingOptions.CostWeighted(0.3).WithTopClusters(1);
            RoutingOptions blended = RoutingOptions.CostWeighted(0.3).WithTopClusters(topClusters);
            for (int i = 0; i < 2_000; i++)
            {
                float[] embedding = NearCentroid(pair, random, noise: 1.0);
                RouteDecision one = pair.Generated(embedding, nearestOnly);
                RouteDecision many = pair.Generated(embedding, blended);
                Assert.Equal(!many.IsFallback, many.IsEstimated);
                moved += one.ModelIndex != many.ModelIndex || one.ExpectedCostUsd != many.ExpectedCostUsd ? 1 : 0;
            }

            Assert.True(moved > 0, "blending the nearest clusters never changed a decision or its expected cost");
        }

        [Theory]
        [InlineData("random:16x384x6", 3)]
        [InlineData("random:64x256x12:soft-clusters:3", 0)]
        [InlineData("random:24x384x24:linear", 4)]
        public void ABlendedRouteChoosesByTheSoftClusterEstimateEvaluationComputes(string profile, int topClusters)
        {
            RouterPair pair = Resolve(profile);
            RouterTables tables = pair.Loaded.Tables;
            int top = topClusters == 0 ? tables.DefaultTopClusters : topClusters;
            bool linear = pair.Loaded.Definition.Estimator?.Kind == RouterGen.Profiles.EstimatorDefinition.LinearKind;
            var random = new Random(5);
            var quality = new double[tables.ModelCount];
            var cost = new double[tables.ModelCount];
            int routed = 0;
            for (int i = 0; i < 2_000; i++)
            {
                float[] embedding = NearCentroid(pair, random, noise: 1.0);
                RoutingOptions options = RoutingOptions.Shortfall(random.NextDouble() * 0.2);
                options = topClusters == 0 ? options : options.WithTopClusters(topClusters);
                RouteDecision decision = pair.Generated(embedding, options);
                if (decision.IsFallback)
                {
                    continue;
                }

                QualityEstimation.BlendNearestClusters(tables, pair.Loaded.UnitCentroids, embedding, top, quality, cost);
                for (int m = 0; linear && m < tables.ModelCount; m++)
                {
                    // The heads' quality is the nearest-cluster route's own per-prompt estimate; only the costs are blended.
                    quality[m] = pair.Loaded.Route(embedding, new RoutingOptions(RoutingPolicy.CostWeighted, 0, ModelMask.Only(m), topClusters: 1)).ExpectedQuality;
                }

                int expected = RoutingMath.ChooseShortfall(quality, cost, 0, tables.ModelCount, options.Knob, RoutingMath.AllModels(tables.ModelCount));
                Assert.Equal(expected, decision.ModelIndex);
                Assert.Equal(quality[expected], decision.ExpectedQuality);
                Assert.Equal(cost[expected], decision.ExpectedCostUsd);
                routed++;
            }

            Assert.True(routed > 1_000, $"only {routed} of 2,000 prompts near a centroid were in distribution");
        }

        [Fact]
        public void ATopClustersCountOutsideOneToTheClusterCountIsAClearError()
        {
            RouterPair pair = Resolve("random:16x384x6");
            float[] embedding = NearCentroid(pair, new Random(1), noise: 0.5);
            var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => pair.Generated(embedding, RoutingOptions.MaxQuality.WithTopClusters(17)));
            Assert.Contains("has 16 clusters", tooMany.Message, StringComparison.Ordinal);
            Assert.Contains("1 to 16", tooMany.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentOutOfRangeException>(() => pair.Loaded.Route(embedding, RoutingOptions.MaxQuality.WithTopClusters(17)));
            var zero = Assert.Throws<ArgumentOutOfRangeException>(() => RoutingOptions.MaxQuality.WithTopClusters(0));
            Assert.Contains("must be 1 to 64", zero.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentOutOfRangeException>(() => new RoutingOptions(RoutingPolicy.CostWeighted, 0.2, ModelMask.All, -1));
            Assert.Equal(16, pair.Generated(embedding, RoutingOptions.MaxQuality.WithTopClusters(16)).Tables.ClusterCount);
        }

        [Fact]
        public void ASoftClusterProfileRoutesByTheNearestClusterAloneWhenARequestAsksForOne()
        {
            RouterPair soft = Resolve("random:64x256x12:soft-clusters:3");
            Assert.Equal(3, soft.Loaded.Tables.DefaultTopClusters);
            var random = new Random(9);
            for (int i = 0; i < 500; i++)
            {
                float[] embedding = NearCentroid(soft, random, noise: 0.8);
                RouteDecision one = soft.Generated(embedding, RoutingOptions.CostWeighted(0.2).WithTopClusters(1));
                Assert.False(one.IsEstimated);
                Assert.Equal(soft.Loaded.Decide(one.ClusterIndex, one.Similarity, RoutingOptions.CostWeighted(0.2)).ModelIndex, one.ModelIndex);
            }
        }

        [Theory]
        [MemberData(nameof(Profiles))]
        public void GeneratedAndLoadedRoutersReadTheSameCentroidsFrom64ByteAlignedMemory(string profile)
        {
            RouterPair pair = Resolve(profile);
            if (pair.Loaded.QuantizedCentroids is QuantizedCentroids loadedQuantized)
            {
                // Reduced precision: the generated RVA bits (and int8 scales) are the ones the loaded router quantized.
                var generatedQuantized = (QuantizedCentroids)pair.GeneratedType
                    .GetField("s_quantizedCentroids", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                    .GetValue(null)!;
                Assert.Equal(loadedQuantized.Precision, generatedQuantized.Precision);
                Assert.Equal(0, AddressOf(generatedQuantized.Bytes) % AlignedCentroids.Alignment);
                Assert.Equal(0, AddressOf(loadedQuantized.Bytes) % AlignedCentroids.Alignment);
                Assert.True(generatedQuantized.Bytes.SequenceEqual(loadedQuantized.Bytes), "the generated rows are the loaded router's, bit for bit");
                Assert.True(generatedQuantized.Scales.SequenceEqual(loadedQuantized.Scales), "the generated scales are the loaded router's");
                Assert.Null(pair.GeneratedType.GetField("s_alignedCentroids", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static));
                return;
            }

            // The generated router's aligned copy of its RVA rows (a private static field; reflection is the only way in).
            var generated = (AlignedCentroids)pair.GeneratedType
                .GetField("s_alignedCentroids", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .GetValue(null)!;

            Assert.Equal(0, AddressOf(generated.Rows) % AlignedCentroids.Alignment);
            Assert.Equal(0, AddressOf(pair.Loaded.UnitCentroids) % AlignedCentroids.Alignment);
            Assert.True(generated.Rows.SequenceEqual(pair.Loaded.UnitCentroids), "the generated rows are the loaded router's, bit for bit");
        }

        // The byte offset from address 0 is the address (no unsafe code needed).
        private static nint AddressOf<T>(ReadOnlySpan<T> rows) =>
            System.Runtime.CompilerServices.Unsafe.ByteOffset(ref System.Runtime.CompilerServices.Unsafe.NullRef<T>(), ref System.Runtime.InteropServices.MemoryMarshal.GetReference(rows));

        [Fact]
        public void RepositoryProfilesDecideIdentically()
        {
            List<string> files = GeneratedRouters.RepositoryProfiles().ToList();
            Assert.NotEmpty(files);
            foreach (string file in files)
            {
                RouterPair pair = GeneratedRouters.Compile(Path.GetFileNameWithoutExtension(file), File.ReadAllText(file));
                Assert.Equal(0, CompareOnRandomEmbeddings(pair, seed: 7));
            }
        }

        [Fact]
        public void GeneratedPromptRouteMatchesLoadedPromptRouter()
        {
            RouterPair pair = GeneratedRouters.Fixture("tiny.router.json");
            IPromptRouter loaded = pair.Loaded.CreatePromptRouter();
            string[] prompts = { "SELECT * FROM users WHERE id = 1", "Shall I compare thee to a summer's day?", "Traceback (most recent call last): KeyError", "", "   ", "日本語のテキスト 🚀" };
            foreach (string prompt in prompts)
            {
                RouteDecision a = pair.GeneratedPrompt!(prompt, default);
                RouteDecision b = loaded.Route(prompt, default);
                Assert.Equal(Describe(b), Describe(a));
            }
        }

        private static RouterPair Resolve(string profile)
        {
            if (profile.StartsWith("fixture:", StringComparison.Ordinal))
            {
                return GeneratedRouters.Fixture(profile["fixture:".Length..]);
            }

            // random:<clusters>x<dimension>x<models>[:<estimator>[%<low-confidence margin>]][@<centroid precision>]
            string[] precisionParts = profile["random:".Length..].Split('@', 2);
            string[] marginParts = precisionParts[0].Split('%', 2);
            double margin = marginParts.Length == 1 ? 0 : double.Parse(marginParts[1], System.Globalization.CultureInfo.InvariantCulture);
            precisionParts[0] = marginParts[0];
            CentroidPrecision precision = CentroidPrecision.Float32;
            Assert.True(precisionParts.Length == 1 || CentroidPrecisionNames.TryParse(precisionParts[1], out precision), profile);
            string[] parts = precisionParts[0].Split(':', 2);
            int[] shape = parts[0].Split('x').Select(int.Parse).ToArray();
            string? estimator = parts.Length > 1 ? parts[1] : null;
            string name = $"Random{shape[0]}x{shape[1]}{(estimator == null ? "" : "Estimated")}{(margin > 0 ? "LowConfidence" : "")}{(precision == CentroidPrecision.Float32 ? "" : precision.ToString())}";
            return GeneratedRouters.Compile(name, GeneratedRouters.RandomProfileJson(name, shape[0], shape[1], shape[2], seed: shape[0] * 31 + shape[1], estimator: estimator, precision: precision, lowConfidenceMargin: margin));
        }

        /// <summary>Routes <paramref name="embeddings"/> random embeddings through both routers; returns how many decisions differ.</summary>
        internal static int CompareOnRandomEmbeddings(RouterPair pair, int seed, int embeddings = EmbeddingsPerProfile, int topClusters = 0, Action<RouteDecision>? observe = null)
        {
            var random = new Random(seed);
            RouterTables tables = pair.Loaded.Tables;
            int dimension = tables.Dimension;
            ReadOnlySpan<float> centroids = pair.Loaded.UnitCentroids;
            var embedding = new float[dimension];
            int mismatches = 0;
            for (int i = 0; i < embeddings; i++)
            {
                // Near a centroid (in distribution), pure noise (mostly out of distribution), zero, or scaled; the first
                // four are one of each, so even a short comparison covers every kind.
                int kind = i < 4 ? i : random.Next(10) switch { < 6 => 0, < 9 => 1, _ => random.Next(2) == 0 ? 2 : 3 };
                int anchor = random.Next(tables.ClusterCount);
                double noise = random.NextDouble() * 1.5;
                for (int d = 0; d < dimension; d++)
                {
                    embedding[d] = kind switch
                    {
                        0 => centroids[(anchor * dimension) + d] + (float)(noise * GeneratedRouters.Gaussian(random) / Math.Sqrt(dimension)),
                        1 => (float)GeneratedRouters.Gaussian(random),
                        2 => 0f,
                        _ => centroids[(anchor * dimension) + d] * 1e-20f,
                    };
                }

                RoutingOptions options = RandomOptions(random, tables.ModelCount);
                if (topClusters > 0)
                {
                    options = options.WithTopClusters(topClusters);
                }

                RouteDecision generated = pair.Generated(embedding, options);
                RouteDecision loaded = pair.Loaded.Route(embedding, options);
                observe?.Invoke(loaded);
                if (Describe(generated) != Describe(loaded))
                {
                    mismatches++;
                }
            }

            return mismatches;
        }

        private static float[] NearCentroid(RouterPair pair, Random random, double noise)
        {
            int dimension = pair.Loaded.Tables.Dimension;
            int anchor = random.Next(pair.Loaded.Tables.ClusterCount);
            ReadOnlySpan<float> centroids = pair.Loaded.UnitCentroids;
            var embedding = new float[dimension];
            for (int d = 0; d < dimension; d++)
            {
                embedding[d] = centroids[(anchor * dimension) + d] + (float)(noise * GeneratedRouters.Gaussian(random) / Math.Sqrt(dimension));
            }

            return embedding;
        }

        private static RoutingOptions RandomOptions(Random random, int modelCount)
        {
            RoutingPolicy policy = random.Next(2) == 0 ? RoutingPolicy.CostWeighted : RoutingPolicy.Shortfall;
            double knob = random.Next(8) switch { 0 => 0, 1 => 1, _ => random.NextDouble() * (policy == RoutingPolicy.Shortfall ? 0.5 : 1) };
            ModelMask mask = ModelMask.All;
            if (random.Next(4) == 0)
            {
                ulong bits = 0;
                while (bits == 0)
                {
                    bits = (ulong)random.NextInt64() & RoutingMath.AllModels(modelCount);
                }

                mask = ModelMask.FromAllowedBits(bits);
            }

            return new RoutingOptions(policy, knob, mask);
        }

        private static string Describe(RouteDecision d)
        {
            Span<int> ranked = stackalloc int[64];
            int count = d.CopyRankedModels(ranked);
            return $"{d.ModelIndex}|{d.ClusterIndex}|{BitConverter.SingleToInt32Bits(d.Similarity)}|{d.FallbackReason}|{d.EstimateMargin:R}|{d.IsEstimated}|{d.ExpectedQuality:R}|{d.ExpectedCostUsd:R}|{string.Join(",", ranked[..count].ToArray())}";
        }
    }
}
