using System;
using System.IO;
using System.Linq;
using RouterGen.Embedding;
using RouterGen.Profiles;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Tests
{
    public sealed class ProfileLoadingTests
    {
        internal static ProfileDefinition SmallProfile(int dimension = 16)
        {
            var hashed = new HashedNgramParameters();
            var profile = new ProfileDefinition
            {
                Name = "SmallRouter",
                Embedder = new EmbedderDefinition { Kind = EmbedderDefinition.HashedNgramsKind, Dimension = dimension, HashedNgrams = hashed, Identity = EmbedderIdentity.ForHashedNgrams(dimension, hashed) },
                Fallback = new FallbackDefinition { Model = "cheap", MinSimilarity = 0.2 },
            };
            profile.Models.Add(new ModelDefinition { Id = "cheap", CostPerRequestUsd = 0.001 });
            profile.Models.Add(new ModelDefinition { Id = "strong", CostPerRequestUsd = 0.05 });
            for (int c = 0; c < 2; c++)
            {
                float[] centroid = new float[dimension];
                centroid[c] = 1;
                profile.Clusters.Add(new ClusterDefinition
                {
                    Id = $"c{c}",
                    Label = c == 0 ? "easy" : "hard",
                    SampleCount = 10 + c,
                    Centroid = centroid,
                    Quality = c == 0 ? new[] { 0.9, 0.92 } : new[] { 0.3, 0.8 },
                    CostUsd = new[] { 0.001, 0.05 },
                });
            }

            profile.Presets.Add(new PresetDefinition { Name = "max-quality", Policy = RoutingPolicy.CostWeighted, Value = 0 });
            profile.Presets.Add(new PresetDefinition { Name = "within-5", Policy = RoutingPolicy.Shortfall, Value = 0.05 });
            return profile;
        }

        [Fact]
        public void WrittenProfileReadsBackToTheSameCanonicalText()
        {
            string json = ProfileWriter.ToJson(SmallProfile());
            ProfileReadResult result = ProfileReader.Read(json);
            Assert.Empty(result.Problems);
            Assert.Equal(json, ProfileWriter.ToJson(result.Profile!));
        }

        [Fact]
        public void LoadErrorNamesFileLineColumnAndField()
        {
            string path = Path.Combine(Path.GetTempPath(), $"routergen-{Guid.NewGuid():N}.router.json");
            string json = ProfileWriter.ToJson(SmallProfile()).Replace("\"quality\": 0.8,", "\"quality\": 1.8,", StringComparison.Ordinal);
            File.WriteAllText(path, json);
            try
            {
                ProfileException e = Assert.Throws<ProfileException>(() => RouterProfile.Load(path));
                int line = json.Split('\n').ToList().FindIndex(l => l.Contains("1.8", StringComparison.Ordinal)) + 1;
                Assert.Contains($"{path}({line},", e.Message, StringComparison.Ordinal);
                Assert.Contains("RG0009", e.Message, StringComparison.Ordinal);
                Assert.Contains("clusters[1].stats[\"strong\"].quality", e.Message, StringComparison.Ordinal);
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void RoutesToTheClusterWinnerAndHonoursPresetsAndMasks()
        {
            RouterProfile router = RouterProfile.FromDefinition(SmallProfile());
            float[] hard = new float[16];
            hard[1] = 1;
            hard[0] = 0.1f;
            RouteDecision best = router.Route(hard);
            Assert.Equal("strong", best.ModelId);
            Assert.Equal("hard", best.ClusterLabel);
            Assert.False(best.IsFallback);
            Assert.Equal(0.8, best.ExpectedQuality);

            Assert.True(router.Tables.TryGetPreset("within-5", out RoutingOptions within5));
            Assert.Equal("strong", router.Route(hard, within5).ModelId); // 0.3 is 50 points behind

            float[] easy = new float[16];
            easy[0] = 1;
            Assert.Equal("cheap", router.Route(easy, within5).ModelId); // within 2 points, 50x cheaper
            Assert.Equal("strong", router.Route(easy).ModelId);

            RouteDecision masked = router.Route(hard, new RoutingOptions(RoutingPolicy.CostWeighted, 0, ModelMask.All.Without(1)));
            Assert.Equal("cheap", masked.ModelId);
            Assert.Throws<InvalidOperationException>(() => router.Route(hard, new RoutingOptions(RoutingPolicy.CostWeighted, 0, ModelMask.FromAllowedBits(0))));
        }

        [Fact]
        public void DistantOrEmptyPromptsTakeTheFallbackWithGlobalExpectations()
        {
            // Global (sample-weighted) statistics: cheap (10·0.9 + 11·0.3)/21 = 58.6% at $0.001, strong (10·0.92 + 11·0.8)/21
            // = 85.7% at $0.05. An out-of-distribution prompt follows the request's policy and knob on them.
            RouterProfile router = RouterProfile.FromDefinition(SmallProfile());
            float[] far = new float[16];
            far[5] = 1;
            RouteDecision decision = router.Route(far);
            Assert.True(decision.IsFallback);
            Assert.Equal(-1, decision.StatisticsCluster);
            Assert.Equal("strong", decision.ModelId);
            Assert.Equal(((10 * 0.92) + (11 * 0.8)) / 21, decision.ExpectedQuality, 12);

            // The knob is honoured: the cheap end (and a shortfall allowing 0.3) takes the cheap model, not the fixed
            // fallback.model "cheap" by accident: at maximum quality above, the same profile chose "strong".
            RouteDecision cheapEnd = router.Route(far, RoutingOptions.CostWeighted(0.9));
            Assert.Equal("cheap", cheapEnd.ModelId);
            Assert.Equal(((10 * 0.9) + (11 * 0.3)) / 21, cheapEnd.ExpectedQuality, 12);
            Assert.Equal("cheap", router.Route(far, RoutingOptions.Shortfall(0.3)).ModelId);
            Assert.Equal("strong", router.Route(far, RoutingOptions.Shortfall(0.2)).ModelId);

            RouteDecision zero = router.Route(new float[16]);
            Assert.True(zero.IsFallback);
            Assert.Equal(-1, zero.ClusterIndex);
            Assert.Equal("strong", zero.ModelId);

            RouteDecision strongExcluded = router.Route(far, new RoutingOptions(RoutingPolicy.CostWeighted, 0, ModelMask.All.Without(1)));
            Assert.Equal("cheap", strongExcluded.ModelId);
        }

        [Fact]
        public void RankedAlternativesStartWithTheChoiceAndListEveryAllowedModel()
        {
            RouterProfile router = RouterProfile.FromDefinition(SmallProfile());
            float[] hard = new float[16];
            hard[1] = 1;
            Span<int> ranked = stackalloc int[8];
            RouteDecision decision = router.Route(hard, RoutingOptions.CostWeighted(1));
            int count = decision.CopyRankedModels(ranked);
            Assert.Equal(new[] { 0, 1 }, ranked[..count].ToArray());
            decision = router.Route(hard, new RoutingOptions(RoutingPolicy.CostWeighted, 0, ModelMask.Only(1)));
            count = decision.CopyRankedModels(ranked);
            Assert.Equal(new[] { 1 }, ranked[..count].ToArray());
        }

        [Fact]
        public void RankAlternativesFollowsTheRankingWithTheStatisticsClustersExpectations()
        {
            RouterProfile router = RouterProfile.FromDefinition(SmallProfile());
            float[] hard = new float[16];
            hard[1] = 1;
            Span<int> order = stackalloc int[8];
            Span<RankedModel> ranked = stackalloc RankedModel[8];
            router.Route(hard).RankAlternatives(ranked); // compiled before allocations are counted
            foreach (RoutingOptions options in new[] { RoutingOptions.CostWeighted(1), RoutingOptions.MaxQuality, RoutingOptions.Shortfall(0.3), RoutingOptions.Shortfall(0.6) })
            {
                RouteDecision decision = router.Route(hard, options);
                int count = decision.CopyRankedModels(order);
                long before = GC.GetAllocatedBytesForCurrentThread();
                int written = decision.RankAlternatives(ranked);
                Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
                Assert.Equal(count, written);
                for (int i = 0; i < count; i++)
                {
                    RankedModel model = ranked[i];
                    Assert.Equal(order[i], model.ModelIndex);
                    Assert.Equal(router.Tables.QualityOf(1, order[i]), model.ExpectedQuality);
                    Assert.Equal(router.Tables.CostOf(1, order[i]), model.ExpectedCostUsd);
                }

                Assert.Equal(decision.ModelIndex, ranked[0].ModelIndex);
            }

            // Hard cluster: strong 0.8 at $0.05, cheap 0.3 at $0.001. Shortfall 0.3 leaves cheap outside τ; 0.6 takes it.
            RouteDecision within = router.Route(hard, RoutingOptions.Shortfall(0.3));
            within.RankAlternatives(ranked);
            Assert.Equal((1, 0.0, true), (ranked[0].ModelIndex, ranked[0].Score, ranked[0].WithinShortfall));
            Assert.Equal((0, false), (ranked[1].ModelIndex, ranked[1].WithinShortfall));
            Assert.Equal(0.3 - 0.8, ranked[1].Score, 12);
            RouteDecision utility = router.Route(hard, RoutingOptions.CostWeighted(0.5));
            utility.RankAlternatives(ranked);
            Assert.Equal(RoutingMath.CostWeightedUtility(ranked[0].ExpectedQuality, ranked[0].ExpectedCostUsd, router.Tables.CostScale, 0.5), ranked[0].Score, 12);
            Assert.Equal(1, router.Route(hard, RoutingOptions.MaxQuality).RankAlternatives(ranked[..1]));
        }

        [Fact]
        public void WrongDimensionOrEmbedderIsRefusedNamingBothSides()
        {
            RouterProfile router = RouterProfile.FromDefinition(SmallProfile());
            EmbedderMismatchException dimension = Assert.Throws<EmbedderMismatchException>(() => router.Route(new float[15]));
            Assert.Contains("16", dimension.Message, StringComparison.Ordinal);
            Assert.Contains("15", dimension.Message, StringComparison.Ordinal);

            var other = new HashedNgramEmbedder(16, new HashedNgramParameters { Seed = 42 });
            EmbedderMismatchException identity = Assert.Throws<EmbedderMismatchException>(() => router.CreatePromptRouter(other));
            Assert.Contains(router.Tables.EmbedderIdentity, identity.Message, StringComparison.Ordinal);
            Assert.Contains(other.Identity, identity.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AtomicWriteReplacesTheWholeFileAndLeavesNoTemporaryFiles()
        {
            string directory = Directory.CreateTempSubdirectory("routergen-atomic").FullName;
            string path = Path.Combine(directory, "x.router.json");
            File.WriteAllText(path, "old");
            ProfileWriter.Save(SmallProfile(), path);
            Assert.Equal(ProfileWriter.ToJson(SmallProfile()), File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(directory));
            Directory.Delete(directory, recursive: true);
        }
    }
}
