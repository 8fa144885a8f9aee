using System;
using RouterGen.Profiles;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Tests
{
    /// <summary>Format version 2: profiles carrying a per-prompt estimator read, write and route as the format says.</summary>
    public sealed class EstimatorProfileTests
    {
        // Two heads on a 16-dim embedding: "cheap" is good when component 2 is large, "strong" always fairly good.
        private static ProfileDefinition LinearProfile()
        {
            ProfileDefinition profile = ProfileLoadingTests.SmallProfile();
            profile.FormatVersion = ProfileDefinition.EstimatorFormatVersion;
            var cheap = new float[16];
            cheap[2] = 4;
            profile.Estimator = new EstimatorDefinition
            {
                Kind = EstimatorDefinition.LinearKind,
                Heads =
                {
                    new LinearHeadDefinition { Weights = cheap, Bias = -2, PlattScale = 1, PlattOffset = 0 },
                    new LinearHeadDefinition { Weights = new float[16], Bias = 1, PlattScale = 1.5, PlattOffset = -0.25 },
                },
            };
            return profile;
        }

        [Fact]
        public void Version2ProfileReadsBackToTheSameCanonicalText()
        {
            string json = ProfileWriter.ToJson(LinearProfile());
            Assert.Contains("\"formatVersion\": 2", json, StringComparison.Ordinal);
            ProfileReadResult result = ProfileReader.Read(json);
            Assert.Empty(result.Problems);
            Assert.Equal(json, ProfileWriter.ToJson(result.Profile!));
            Assert.Equal(1.5, result.Profile!.Estimator!.Heads[1].PlattScale);
        }

        [Fact]
        public void LowConfidenceMarginReadsBackAndReachesTheTables()
        {
            ProfileDefinition profile = LinearProfile();
            profile.Fallback.LowConfidenceMargin = 0.0375;
            string json = ProfileWriter.ToJson(profile);
            Assert.Contains("\"lowConfidenceMargin\": 0.0375", json, StringComparison.Ordinal);
            ProfileReadResult result = ProfileReader.Read(json);
            Assert.Empty(result.Problems);
            Assert.Equal(json, ProfileWriter.ToJson(result.Profile!));
            Assert.Equal(0.0375, RouterProfile.FromDefinition(result.Profile!).Tables.LowConfidenceMargin);

            // Off is not written, so every profile fit before the field existed keeps its exact text.
            profile.Fallback.LowConfidenceMargin = 0;
            Assert.DoesNotContain("lowConfidenceMargin", ProfileWriter.ToJson(profile), StringComparison.Ordinal);
        }

        [Fact]
        public void ProfileWithoutEstimatorIsStillWrittenAsVersion1()
        {
            string json = ProfileWriter.ToJson(ProfileLoadingTests.SmallProfile());
            Assert.Contains("\"formatVersion\": 1", json, StringComparison.Ordinal);
            Assert.DoesNotContain("estimator", json, StringComparison.Ordinal);
        }

        [Fact]
        public void LinearEstimatorDecidesPerPromptWithTheNearestClustersCosts()
        {
            RouterProfile router = RouterProfile.FromDefinition(LinearProfile());

            // Nearest cluster "easy" (component 0), where the cluster statistics pick strong at max quality (0.92 > 0.90).
            float[] easyButCheapWins = new float[16];
            easyButCheapWins[0] = 1;
            easyButCheapWins[2] = 0.9f;
            RouteDecision decision = router.Route(easyButCheapWins);
            Assert.True(decision.IsEstimated);
            Assert.Equal("easy", decision.ClusterLabel);
            double cheapQuality = QualityEstimation.Sigmoid((4 * 0.9f) - 2);
            double strongQuality = QualityEstimation.Sigmoid((1.5 * 1) - 0.25);
            Assert.True(cheapQuality > strongQuality);
            Assert.Equal("cheap", decision.ModelId);
            // The router's sigmoid runs in float (QualityEstimation.Logistic): seven digits of the double reference.
            Assert.Equal(cheapQuality, decision.ExpectedQuality, 6);
            Assert.Equal(0.001, decision.ExpectedCostUsd);

            // Without component 2, the estimate prefers strong; the shortfall knob trades it for cheap once within τ.
            float[] easy = new float[16];
            easy[0] = 1;
            Assert.Equal("strong", router.Route(easy).ModelId);
            double gap = strongQuality - QualityEstimation.Sigmoid(-2);
            Assert.Equal("strong", router.Route(easy, RoutingOptions.Shortfall(gap - 0.01)).ModelId);
            Assert.Equal("cheap", router.Route(easy, RoutingOptions.Shortfall(gap + 0.01)).ModelId);

            // The mask applies to the estimate; an out-of-distribution prompt takes the fallback, not the estimator.
            Assert.Equal("strong", router.Route(easyButCheapWins, new RoutingOptions(RoutingPolicy.CostWeighted, 0, ModelMask.Only(1))).ModelId);
            float[] far = new float[16];
            far[5] = 1;
            RouteDecision fallback = router.Route(far);
            Assert.True(fallback.IsFallback);
            Assert.False(fallback.IsEstimated);
        }

        [Fact]
        public void SoftClustersBlendTheNearestClustersBySimilarity()
        {
            ProfileDefinition profile = ProfileLoadingTests.SmallProfile();
            profile.FormatVersion = 2;
            profile.Estimator = new EstimatorDefinition { Kind = EstimatorDefinition.SoftClustersKind, TopClusters = 2 };
            RouterProfile router = RouterProfile.FromDefinition(ProfileReader.Read(ProfileWriter.ToJson(profile)).Profile!);

            // Similarities 0.6 (easy) and 0.8 (hard): quality of cheap = (0.6·0.9 + 0.8·0.3) / 1.4.
            float[] between = new float[16];
            between[0] = 0.6f;
            between[1] = 0.8f;
            RouteDecision decision = router.Route(between);
            Assert.True(decision.IsEstimated);
            Assert.Equal("hard", decision.ClusterLabel);
            Assert.Equal("strong", decision.ModelId);
            double strong = ((0.6f * 0.92) + (0.8f * 0.8)) / (0.6f + 0.8f);
            Assert.Equal(strong, decision.ExpectedQuality, 6);
        }
    }
}
