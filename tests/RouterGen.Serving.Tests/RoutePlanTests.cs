using System;
using System.Linq;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Serving.Tests
{
    /// <summary>The request plan the chat client and the proxy share, tested directly.</summary>
    public sealed class RoutePlanTests
    {
        private readonly IPromptRouter _router = ServingProfile.CreateRouter();

        private RouterTables Tables => _router.Tables;

        [Theory]
        [InlineData(null, null, null, false)]
        [InlineData("auto", null, null, false)]
        [InlineData("auto:balanced", "balanced", null, false)]
        [InlineData("auto:cost-weighted:0.3", null, 0.3, false)]
        [InlineData("auto:shortfall:0.05", null, 0.05, false)]
        [InlineData("premium", null, null, true)]
        public void ModelSelectorGrammar(string? model, string? preset, double? knob, bool pinned)
        {
            ModelSelector selector = ModelSelector.Parse(model);

            Assert.Equal(preset, selector.Preset);
            Assert.Equal(knob, selector.Knob?.Knob);
            Assert.Equal(pinned, !selector.IsAuto);
        }

        [Theory]
        [InlineData("auto:", RoutingRequestError.UnknownPreset)]
        [InlineData("auto:fastest:0.3", RoutingRequestError.InvalidKnob)]
        [InlineData("auto:shortfall:-0.1", RoutingRequestError.InvalidKnob)]
        [InlineData("auto:cost-weighted:NaN", RoutingRequestError.InvalidKnob)]
        [InlineData("auto:cost-weighted:", RoutingRequestError.InvalidKnob)]
        [InlineData("auto:turbo", RoutingRequestError.UnknownPreset)]
        [InlineData("gpt-9", RoutingRequestError.ModelNotFound)]
        public void MalformedModelNamesNameTheFieldAndTheError(string model, RoutingRequestError error)
        {
            RoutingRequestException e = Assert.Throws<RoutingRequestException>(() => RoutingRequest.Parse(Tables, "hi", model, RoutingRequest.DefaultPreset(Tables, null)));

            Assert.Equal(error, e.Error);
            Assert.Equal("model", e.Field);
        }

        [Fact]
        public void ModelSelectorFormatRoundTrips()
        {
            RoutingOptions options = RoutingOptions.Shortfall(0.05);

            ModelSelector parsed = ModelSelector.Parse(ModelSelector.Format(options));

            Assert.Equal("auto:shortfall:0.05", ModelSelector.Format(options));
            Assert.Equal(options, parsed.Knob);
        }

        [Fact]
        public void DefaultPresetIsTheConfiguredOneElseTheProfilesFirst()
        {
            Assert.Equal(Tables.PresetNames[0], RoutingRequest.DefaultPreset(Tables, null));
            Assert.Equal("balanced", RoutingRequest.DefaultPreset(Tables, "balanced"));
            Assert.Equal("defaultPreset", Assert.Throws<RoutingRequestException>(() => RoutingRequest.DefaultPreset(Tables, "turbo")).Field);
        }

        [Fact]
        public void PlanOrdersTheRoutedModelFirstThenTheRanking()
        {
            RoutingRequest request = RoutingRequest.Parse(Tables, ServingProfile.CodePrompt, "auto:max-quality", null);

            RoutePlan plan = RoutePlan.Create(_router, request, maxAttempts: 3);

            Assert.Equal(["premium", "mid", "cheap"], plan.Attempts.Select(a => a.ModelId));
            Assert.Equal([RouteAttemptReason.Routed, RouteAttemptReason.NextRanked, RouteAttemptReason.NextRanked], plan.Attempts.Select(a => a.Reason));
            Assert.Equal(2, RoutePlan.Create(_router, request, maxAttempts: 2).Attempts.Count);
        }

        [Fact]
        public void PinnedModelIsTheOnlyAttemptAndStillCarriesItsCluster()
        {
            RoutingRequest request = RoutingRequest.Parse(Tables, ServingProfile.CodePrompt, "cheap", "max-quality");

            RoutePlan plan = RoutePlan.Create(_router, request, maxAttempts: 3);

            RouteAttempt only = Assert.Single(plan.Attempts);
            Assert.Equal(("cheap", RouteAttemptReason.Pinned), (only.ModelId, only.Reason));
            Assert.Equal("code", plan.Decision.ClusterLabel);
            Assert.Null(request.Preset);
        }

        [Fact]
        public void CostCapRemovesModelsExpectedToCostMore()
        {
            RoutingRequest capped = RoutingRequest.Parse(Tables, ServingProfile.CodePrompt, "auto:max-quality", null, maxCostUsd: 0.005);
            RoutingRequest impossible = RoutingRequest.Parse(Tables, ServingProfile.CodePrompt, "auto:max-quality", null, maxCostUsd: 0.0000001);

            RoutePlan plan = RoutePlan.Create(_router, capped, maxAttempts: 3);

            Assert.DoesNotContain(plan.Attempts, a => a.ModelId == "premium");
            Assert.Equal(RoutingRequestError.CostCapExceeded, Assert.Throws<RoutingRequestException>(() => RoutePlan.Create(_router, impossible, 3)).Error);
        }

        [Fact]
        public void ExecutionHandsOutTheNextAttemptOnlyAfterAFailure()
        {
            RoutePlan plan = RoutePlan.Create(_router, RoutingRequest.Parse(Tables, ServingProfile.CodePrompt, null, null), maxAttempts: 3);
            RouteExecution execution = plan.Start();

            Assert.True(execution.TryGetNext(out RouteAttempt first));
            Assert.False(execution.TryGetNext(out _));
            execution.Fail("status_5xx");
            Assert.True(execution.TryGetNext(out RouteAttempt second));
            execution.End(succeeded: true);

            Assert.Equal(plan.Attempts[0], first);
            Assert.Equal(plan.Attempts[1], second);
            Assert.Equal([new RouteAttemptFailure(first.ModelId, "status_5xx")], execution.Failures);
            Assert.False(execution.TryGetNext(out _));
        }

        [Fact]
        public void StickyRouteRoundTripsAndIsUsedOnlyWithTheSameOptions()
        {
            RoutingRequest request = RoutingRequest.Parse(Tables, ServingProfile.ChatPrompt, "auto:balanced", null, stickinessKey: "c");
            RoutePlan first = RoutePlan.Create(_router, request, 3);
            string stored = StickyRoute.From(first.Decision, Tables.IndexOfModel("mid")).Format();
            Assert.True(StickyRoute.TryParse(stored, out StickyRoute remembered));
            RoutingRequest codeTurn = RoutingRequest.Parse(Tables, ServingProfile.CodePrompt, "auto:balanced", null, stickinessKey: "c");
            RoutingRequest otherPreset = RoutingRequest.Parse(Tables, ServingProfile.CodePrompt, "auto:max-quality", null, stickinessKey: "c");

            RoutePlan sticky = RoutePlan.Create(_router, codeTurn, 3, remembered);
            RoutePlan rerouted = RoutePlan.Create(_router, otherPreset, 3, remembered);

            Assert.True(sticky.IsSticky);
            Assert.Equal(("mid", RouteAttemptReason.Sticky), (sticky.Attempts[0].ModelId, sticky.Attempts[0].Reason));
            Assert.Equal("chat", sticky.Decision.ClusterLabel);
            Assert.False(rerouted.IsSticky);
            Assert.Equal("code", rerouted.Decision.ClusterLabel);
            Assert.False(StickyRoute.TryParse("v0|garbage", out _));
        }

        [Fact]
        public void ARequestsTopClustersBlendTheNearestClustersAndAreCheckedAgainstTheRouter()
        {
            RoutingRequest nearest = RoutingRequest.Parse(Tables, ServingProfile.CodePrompt, "auto:max-quality", null);
            RoutingRequest blended = RoutingRequest.Parse(Tables, ServingProfile.CodePrompt, "auto:max-quality", null, topClusters: 2);

            RouteDecision one = RoutePlan.Create(_router, nearest, 1).Decision;
            RouteDecision two = RoutePlan.Create(_router, blended, 1).Decision;

            Assert.Equal(0, nearest.Options.TopClusters);
            Assert.Equal(2, blended.Options.TopClusters);
            Assert.False(one.IsEstimated);
            Assert.Equal(0.90, one.ExpectedQuality);
            // premium in both clusters: code 90% at $0.02, chat 85% at $0.01, blended by similarity.
            Assert.Equal("premium", two.ModelId);
            Assert.True(two.IsEstimated);
            Assert.InRange(two.ExpectedQuality, 0.85, 0.90);
            Assert.NotEqual(0.90, two.ExpectedQuality);
            Assert.InRange(two.ExpectedCostUsd, 0.01, 0.02);

            foreach (int invalid in new[] { 0, -1, 3, 65 })
            {
                RoutingRequestException e = Assert.Throws<RoutingRequestException>(() => RoutingRequest.Parse(Tables, "hi", "auto", null, topClusters: invalid));
                Assert.Equal(RoutingRequestError.InvalidTopClusters, e.Error);
                Assert.Equal("invalid_top_clusters", e.Code);
                Assert.Equal(RoutingRequest.TopClustersField, e.Field);
                Assert.Contains("must be 1 to 2", e.Message, StringComparison.Ordinal);
                Assert.Contains("has 2 clusters", e.Message, StringComparison.Ordinal);
            }
        }

        [Fact]
        public void StickyRouteKeepsTheTopClustersAndReadsTheEarlierForm()
        {
            RoutingRequest request = RoutingRequest.Parse(Tables, ServingProfile.ChatPrompt, "auto:balanced", null, topClusters: 2);
            RoutePlan first = RoutePlan.Create(_router, request, 1);

            Assert.True(StickyRoute.TryParse(StickyRoute.From(first.Decision, first.Decision.ModelIndex).Format(), out StickyRoute remembered));
            Assert.Equal(request.Options, remembered.Options);
            Assert.True(RoutePlan.Create(_router, request, 1, remembered).IsSticky);

            Assert.True(StickyRoute.TryParse("v1|1|0.5|0|1|0.05|7|mid", out StickyRoute earlier));
            Assert.Equal(("mid", 0), (earlier.ModelId, earlier.Options.TopClusters));
            Assert.False(StickyRoute.TryParse("v2|1|0.5|0|1|0.05|7|65|mid", out _));
        }

        [Fact]
        public void CascadePlanEscalatesToStrictlyBetterModels()
        {
            RoutingRequest request = RoutingRequest.Parse(Tables, ServingProfile.CodePrompt, "auto:max-quality", null);

            RoutePlan cascade = RoutePlan.CreateCascade(_router, request, RoutingOptions.CostWeighted(1), maxSteps: 3);

            Assert.Equal("cheap", cascade.Attempts[0].ModelId);
            Assert.All(cascade.Attempts.Skip(1), a => Assert.Equal(RouteAttemptReason.Escalated, a.Reason));
            for (int i = 1; i < cascade.Attempts.Count; i++)
            {
                Assert.True(Tables.QualityOf(0, cascade.Attempts[i].ModelIndex) > Tables.QualityOf(0, cascade.Attempts[i - 1].ModelIndex));
            }
        }

        [Fact]
        public void RoutingTextIsTheLastUserTurn()
        {
            (string Role, string Text)[] conversation = [("system", "be brief"), ("user", "first"), ("assistant", "ok"), ("user", "second"), ("assistant", "sure")];

            Assert.Equal("second", RoutingRequest.SelectRoutingText(conversation, m => m.Role == "user", m => m.Text));
            Assert.Equal("be brief", RoutingRequest.SelectRoutingText(conversation[..1], m => m.Role == "user", m => m.Text));
            Assert.Equal("", RoutingRequest.SelectRoutingText(Array.Empty<(string Role, string Text)>(), m => m.Role == "user", m => m.Text));
        }
    }
}
