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
            "random:64x256x12:soft-clusters:3",
            "random:8x384x24:soft-clusters:8",
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

        [Theory]
        [MemberData(nameof(Profiles))]
        public void GeneratedAndLoadedRoutersReadTheSameCentroidsFrom64ByteAlignedMemory(string profile)
        {
            RouterPair pair = Resolve(profile);
            // The generated router's aligned copy of its RVA rows (a private static field; reflection is the only way in).
            var generated = (AlignedCentroids)pair.GeneratedType
                .GetField("s_alignedCentroids", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .GetValue(null)!;

            Assert.Equal(0, AddressOf(generated.Rows) % AlignedCentroids.Alignment);
            Assert.Equal(0, AddressOf(pair.Loaded.UnitCentroids) % AlignedCentroids.Alignment);
            Assert.True(generated.Rows.SequenceEqual(pair.Loaded.UnitCentroids), "the generated rows are the loaded router's, bit for bit");
        }

        // The byte offset from address 0 is the address (no unsafe code needed).
        private static nint AddressOf(ReadOnlySpan<float> rows) =>
            System.Runtime.CompilerServices.Unsafe.ByteOffset(ref System.Runtime.CompilerServices.Unsafe.NullRef<float>(), ref System.Runtime.InteropServices.MemoryMarshal.GetReference(rows));

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

            string[] parts = profile["random:".Length..].Split(':', 2);
            int[] shape = parts[0].Split('x').Select(int.Parse).ToArray();
            string? estimator = parts.Length > 1 ? parts[1] : null;
            string name = $"Random{shape[0]}x{shape[1]}{(estimator == null ? "" : "Estimated")}";
            return GeneratedRouters.Compile(name, GeneratedRouters.RandomProfileJson(name, shape[0], shape[1], shape[2], seed: shape[0] * 31 + shape[1], estimator: estimator));
        }

        /// <summary>Routes <paramref name="embeddings"/> random embeddings through both routers; returns how many decisions differ.</summary>
        internal static int CompareOnRandomEmbeddings(RouterPair pair, int seed, int embeddings = EmbeddingsPerProfile)
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
                RouteDecision generated = pair.Generated(embedding, options);
                RouteDecision loaded = pair.Loaded.Route(embedding, options);
                if (Describe(generated) != Describe(loaded))
                {
                    mismatches++;
                }
            }

            return mismatches;
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
            return $"{d.ModelIndex}|{d.ClusterIndex}|{BitConverter.SingleToInt32Bits(d.Similarity)}|{d.IsFallback}|{d.IsEstimated}|{d.ExpectedQuality:R}|{d.ExpectedCostUsd:R}|{string.Join(",", ranked[..count].ToArray())}";
        }
    }
}
