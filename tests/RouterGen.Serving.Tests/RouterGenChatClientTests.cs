using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using RouterGen.Extensions.AI;
using RouterGen.Profiles;
using RouterGen.Routing;
using RouterGen.Serving;
using Xunit;

namespace RouterGen.Serving.Tests
{
    public sealed class RouterGenChatClientTests
    {
        private readonly IPromptRouter _router = ServingProfile.CreateRouter();
        private readonly Dictionary<string, FakeChatClient> _models = ServingProfile.ModelIds.ToDictionary(id => id, id => new FakeChatClient(id));

        private RouterGenChatClient CreateClient(RouterGenChatClientOptions? options = null) =>
            new(_router, _models.Select(m => new KeyValuePair<string, IChatClient>(m.Key, m.Value)), options);

        private static List<ChatMessage> Ask(string text) => [new ChatMessage(ChatRole.User, text)];

        [Fact]
        public async Task CodePromptGoesToPremiumAndTheDecisionIsOnTheResponse()
        {
            using RouterGenChatClient client = CreateClient();

            ChatResponse response = await client.GetResponseAsync(Ask(ServingProfile.CodePrompt));

            Assert.Equal("answer from premium", response.Text);
            Assert.Equal("premium", response.ModelId);
            RoutedChatDecision decision = Assert.IsType<RoutedChatDecision>(response.GetRouteDecision());
            Assert.Equal("premium", decision.ModelId);
            Assert.Equal("code", decision.ClusterLabel);
            Assert.Equal(0, decision.ClusterIndex);
            Assert.False(decision.IsOutOfDistribution);
            Assert.True(decision.Similarity > 0.05f);
            Assert.Equal(0.90, decision.ExpectedQuality);
            Assert.Equal(0.02, decision.ExpectedCostUsd);
            Assert.Equal(["premium"], decision.AttemptedModels);
            Assert.Equal(0, decision.FallbackCount);
            Assert.Equal(1, _models["premium"].CallCount);
            Assert.Equal(0, _models["cheap"].CallCount + _models["mid"].CallCount);
        }

        [Fact]
        public async Task ALowConfidenceDecisionIsReportedAsSuchWithTheGlobalStatisticsChoice()
        {
            // Soft clusters over both clusters with a margin no estimate can clear: every in-distribution prompt falls back.
            ProfileDefinition profile = ServingProfile.Create();
            profile.FormatVersion = ProfileDefinition.EstimatorFormatVersion;
            profile.Estimator = new EstimatorDefinition { Kind = EstimatorDefinition.SoftClustersKind, TopClusters = 2 };
            profile.Fallback.LowConfidenceMargin = 1;
            IPromptRouter router = RouterProfile.FromDefinition(profile).CreatePromptRouter();
            using var client = new RouterGenChatClient(router, _models.Select(m => new KeyValuePair<string, IChatClient>(m.Key, m.Value)), new RouterGenChatClientOptions { DefaultPreset = "cheapest" });

            ChatResponse response = await client.GetResponseAsync(Ask(ServingProfile.CodePrompt));

            RoutedChatDecision decision = Assert.IsType<RoutedChatDecision>(response.GetRouteDecision());
            Assert.True(decision.IsLowConfidence);
            Assert.False(decision.IsOutOfDistribution);
            Assert.Equal("code", decision.ClusterLabel);
            // The cheapest preset over the global statistics, as for an out-of-distribution prompt.
            Assert.Equal("cheap", decision.ModelId);
            RoutingRequest request = RoutingRequest.Parse(router.Tables, ServingProfile.CodePrompt, null, RoutingRequest.DefaultPreset(router.Tables, "cheapest"));
            Assert.Equal(RouteAttemptReason.LowConfidence, RoutePlan.Create(router, request, 3).Attempts[0].Reason);
        }

        [Fact]
        public async Task RoutesOnTheLastUserMessageOnly()
        {
            using RouterGenChatClient client = CreateClient(new RouterGenChatClientOptions { DefaultPreset = "balanced" });
            List<ChatMessage> conversation =
            [
                new ChatMessage(ChatRole.System, ServingProfile.CodePrompt),
                new ChatMessage(ChatRole.User, ServingProfile.CodePrompt),
                new ChatMessage(ChatRole.Assistant, "def parse(path): ..."),
                new ChatMessage(ChatRole.User, ServingProfile.ChatPrompt),
            ];

            ChatResponse response = await client.GetResponseAsync(conversation);

            Assert.Equal("chat", response.GetRouteDecision()!.ClusterLabel);
            Assert.Equal("cheap", response.ModelId);
            Assert.Equal(4, _models["cheap"].Calls.Single().Messages.Count);
        }

        [Theory]
        [InlineData("max-quality", "premium")]
        [InlineData("balanced", "cheap")]
        [InlineData("cheapest", "cheap")]
        public async Task PresetFromChatOptionsDecides(string preset, string expected)
        {
            using RouterGenChatClient client = CreateClient();

            ChatResponse response = await client.GetResponseAsync(Ask(ServingProfile.ChatPrompt), new ChatOptions().WithRoutingPreset(preset));

            Assert.Equal(expected, response.ModelId);
            Assert.Equal(preset, response.GetRouteDecision()!.Preset);
        }

        [Fact]
        public async Task AutoPresetModelIdAndKnobOverride()
        {
            using RouterGenChatClient client = CreateClient();

            ChatResponse viaModelId = await client.GetResponseAsync(Ask(ServingProfile.ChatPrompt), new ChatOptions { ModelId = "auto:balanced" });
            ChatResponse viaKnob = await client.GetResponseAsync(
                Ask(ServingProfile.ChatPrompt),
                new ChatOptions().WithRoutingPreset("max-quality").WithRoutingKnob(RoutingPolicy.Shortfall, 0.05));

            Assert.Equal("cheap", viaModelId.ModelId);
            Assert.Equal("balanced", viaModelId.GetRouteDecision()!.Preset);
            Assert.Equal("cheap", viaKnob.ModelId);
            Assert.Null(viaKnob.GetRouteDecision()!.Preset);
            Assert.Equal(RoutingOptions.Shortfall(0.05).Policy, viaKnob.GetRouteDecision()!.Options.Policy);
        }

        [Fact]
        public async Task AllowedModelsOverrideExcludesPremium()
        {
            using RouterGenChatClient client = CreateClient();

            ChatResponse response = await client.GetResponseAsync(Ask(ServingProfile.CodePrompt), new ChatOptions().WithAllowedModels("cheap", "mid"));

            Assert.Equal("mid", response.ModelId);
            Assert.Equal(0.70, response.GetRouteDecision()!.ExpectedQuality);
        }

        [Fact]
        public async Task ModelIdOfAServedModelPinsIt()
        {
            using RouterGenChatClient client = CreateClient();

            ChatResponse response = await client.GetResponseAsync(Ask(ServingProfile.CodePrompt), new ChatOptions { ModelId = "cheap" });

            Assert.Equal("cheap", response.ModelId);
            Assert.Equal("code", response.GetRouteDecision()!.ClusterLabel);
        }

        [Fact]
        public async Task BadPerRequestSettingsAreClearErrors()
        {
            using RouterGenChatClient client = CreateClient();

            RoutingRequestException unknownPreset = await Assert.ThrowsAsync<RoutingRequestException>(() => client.GetResponseAsync(Ask("hi"), new ChatOptions().WithRoutingPreset("turbo")));
            RoutingRequestException unknownModel = await Assert.ThrowsAsync<RoutingRequestException>(() => client.GetResponseAsync(Ask("hi"), new ChatOptions { ModelId = "gpt-9" }));
            RoutingRequestException unknownAllowed = await Assert.ThrowsAsync<RoutingRequestException>(() => client.GetResponseAsync(Ask("hi"), new ChatOptions().WithAllowedModels("gpt-9")));
            RoutingRequestException badPolicy = await Assert.ThrowsAsync<RoutingRequestException>(() => client.GetResponseAsync(Ask("hi"), new ChatOptions { ModelId = "auto:fastest:0.3" }));
            RoutingRequestException badKnob = await Assert.ThrowsAsync<RoutingRequestException>(() => client.GetResponseAsync(Ask("hi"), new ChatOptions { ModelId = "auto:cost-weighted:1.5" }));

            Assert.Equal("unknown_preset", unknownPreset.Code);
            Assert.Equal("model_not_found", unknownModel.Code);
            Assert.Equal("allowed_models", unknownAllowed.Field);
            Assert.Equal("invalid_knob", badPolicy.Code);
            Assert.Contains("[0, 1]", badKnob.Message, StringComparison.Ordinal);

            Assert.Contains("no preset 'turbo'", unknownPreset.Message, StringComparison.Ordinal);
            Assert.Contains("balanced", unknownPreset.Message, StringComparison.Ordinal);
            Assert.Contains("gpt-9", unknownModel.Message, StringComparison.Ordinal);
            Assert.Contains("gpt-9", unknownAllowed.Message, StringComparison.Ordinal);
            Assert.Equal(0, _models.Values.Sum(m => m.CallCount));
        }

        [Fact]
        public async Task TopClustersComeFromTheRequestElseTheClientOptionsAndAreChecked()
        {
            using RouterGenChatClient byDefault = CreateClient();
            using RouterGenChatClient blending = CreateClient(new RouterGenChatClientOptions { TopClusters = 2 });

            RoutedChatDecision nearest = (await byDefault.GetResponseAsync(Ask(ServingProfile.CodePrompt))).GetRouteDecision()!;
            RoutedChatDecision perRequest = (await byDefault.GetResponseAsync(Ask(ServingProfile.CodePrompt), new ChatOptions().WithTopClusters(2))).GetRouteDecision()!;
            RoutedChatDecision configured = (await blending.GetResponseAsync(Ask(ServingProfile.CodePrompt))).GetRouteDecision()!;
            RoutedChatDecision overridden = (await blending.GetResponseAsync(Ask(ServingProfile.CodePrompt), new ChatOptions().WithTopClusters(1))).GetRouteDecision()!;

            Assert.Equal((0, 0.90), (nearest.Options.TopClusters, nearest.ExpectedQuality));
            Assert.Equal(2, perRequest.Options.TopClusters);
            Assert.InRange(perRequest.ExpectedQuality, 0.85, 0.8999);
            Assert.Equal(perRequest.ExpectedQuality, configured.ExpectedQuality);
            Assert.Equal((1, 0.90), (overridden.Options.TopClusters, overridden.ExpectedQuality));

            RoutingRequestException tooMany = await Assert.ThrowsAsync<RoutingRequestException>(() => byDefault.GetResponseAsync(Ask("hi"), new ChatOptions().WithTopClusters(3)));
            Assert.Equal("invalid_top_clusters", tooMany.Code);
            Assert.Contains("1 to 2", tooMany.Message, StringComparison.Ordinal);
            var notANumber = new ChatOptions { AdditionalProperties = new() { [ChatRoutingExtensions.TopClustersKey] = "two" } };
            RoutingRequestException text = await Assert.ThrowsAsync<RoutingRequestException>(() => byDefault.GetResponseAsync(Ask("hi"), notANumber));
            Assert.Equal(ChatRoutingExtensions.TopClustersKey, text.Field);
            Assert.Throws<RoutingRequestException>(() => CreateClient(new RouterGenChatClientOptions { TopClusters = 5 }));
        }

        [Fact]
        public async Task RoutingSettingsAreNotForwardedAndCallerOptionsAreUnchanged()
        {
            using RouterGenChatClient client = CreateClient();
            ChatOptions options = new ChatOptions { ModelId = "auto", Temperature = 0.3f }.WithRoutingPreset("balanced");
            options.AdditionalProperties!["vendor.flag"] = true;

            await client.GetResponseAsync(Ask(ServingProfile.ChatPrompt), options);

            ChatOptions forwarded = _models["cheap"].Calls.Single().Options!;
            Assert.Null(forwarded.ModelId);
            Assert.Equal(0.3f, forwarded.Temperature);
            Assert.Equal(["vendor.flag"], forwarded.AdditionalProperties!.Keys);
            Assert.Equal("auto", options.ModelId);
            Assert.Equal("balanced", options.AdditionalProperties[ChatRoutingExtensions.PresetKey]);
        }

        [Fact]
        public async Task FailedModelFallsBackToTheNextRanked()
        {
            _models["premium"].FailWith = new HttpRequestException("503 from premium");
            using RouterGenChatClient client = CreateClient();

            ChatResponse response = await client.GetResponseAsync(Ask(ServingProfile.CodePrompt));

            // Under max quality the code cluster ranks premium (0.90), mid (0.70), cheap (0.40).
            Assert.Equal("mid", response.ModelId);
            RoutedChatDecision decision = response.GetRouteDecision()!;
            Assert.Equal("premium", decision.RoutedModelId);
            Assert.Equal(["premium", "mid"], decision.AttemptedModels);
            Assert.Equal(1, decision.FallbackCount);
            Assert.Equal(0.70, decision.ExpectedQuality);
        }

        [Fact]
        public async Task FallbackIsBoundedByMaxAttempts()
        {
            foreach (FakeChatClient model in _models.Values)
            {
                model.FailWith = new HttpRequestException("down: " + model.Name);
            }

            using RouterGenChatClient single = CreateClient(new RouterGenChatClientOptions { MaxAttempts = 1 });
            using RouterGenChatClient two = CreateClient(new RouterGenChatClientOptions { MaxAttempts = 2 });

            HttpRequestException original = await Assert.ThrowsAsync<HttpRequestException>(() => single.GetResponseAsync(Ask(ServingProfile.CodePrompt)));
            AggregateException all = await Assert.ThrowsAsync<AggregateException>(() => two.GetResponseAsync(Ask(ServingProfile.CodePrompt)));

            Assert.Equal("down: premium", original.Message);
            Assert.Equal(2, all.InnerExceptions.Count);
            Assert.Contains("premium, mid", all.Message, StringComparison.Ordinal);
            Assert.Equal(0, _models["cheap"].CallCount);
        }

        [Fact]
        public async Task CallerCancellationIsNotRetriedOnAnotherModel()
        {
            using var cancellation = new CancellationTokenSource();
            await cancellation.CancelAsync();
            _models["premium"].FailWith = new OperationCanceledException(cancellation.Token);
            using RouterGenChatClient client = CreateClient();

            await Assert.ThrowsAsync<OperationCanceledException>(() => client.GetResponseAsync(Ask(ServingProfile.CodePrompt), null, cancellation.Token));

            Assert.Equal(0, _models["mid"].CallCount);
        }

        [Fact]
        public async Task StreamingCarriesTheDecisionAndFallsBackBeforeTheFirstToken()
        {
            _models["premium"].FailWith = new HttpRequestException("premium refused the connection");
            using RouterGenChatClient client = CreateClient();

            List<ChatResponseUpdate> updates = [];
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Ask(ServingProfile.CodePrompt)))
            {
                updates.Add(update);
            }

            Assert.Equal("answer from mid", string.Concat(updates.Select(u => u.Text)));
            Assert.All(updates, u => Assert.Equal("mid", u.ModelId));
            Assert.Equal(["premium", "mid"], updates[0].GetRouteDecision()!.AttemptedModels);
            ChatResponse merged = updates.ToChatResponse();
            Assert.Equal("mid", merged.ModelId);
            Assert.Equal("code", merged.GetRouteDecision()!.ClusterLabel);
        }

        [Fact]
        public async Task StreamThatAlreadyYieldedTokensIsNotRestarted()
        {
            _models["premium"].StreamFailsAfter = 1;
            using RouterGenChatClient client = CreateClient();

            var received = new List<string>();
            InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            {
                await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Ask(ServingProfile.CodePrompt)))
                {
                    received.Add(update.Text);
                }
            });

            Assert.Equal("premium broke mid-stream", error.Message);
            Assert.Equal(["answer "], received);
            Assert.Equal(0, _models["mid"].CallCount + _models["cheap"].CallCount);
        }

        [Fact]
        public async Task CascadeKeepsTheCheapAnswerWhenTheCheckAccepts()
        {
            var judged = new List<string>();
            using RouterGenChatClient client = CreateClient(new RouterGenChatClientOptions
            {
                Cascade = new ChatCascade((step, _) =>
                {
                    judged.Add(step.Decision.ModelId);
                    return ValueTask.FromResult(true);
                }),
            });

            ChatResponse response = await client.GetResponseAsync(Ask(ServingProfile.CodePrompt));

            Assert.Equal("cheap", response.ModelId);
            Assert.Equal(["cheap"], judged);
            Assert.Equal(1, response.GetRouteDecision()!.CascadeSteps);
            Assert.True(response.GetRouteDecision()!.CascadeAccepted);
            Assert.Equal(0, _models["premium"].CallCount);
        }

        [Fact]
        public async Task CascadeEscalatesToAModelExpectedToDoBetterWhenRejected()
        {
            var judged = new List<(int Step, string Model, string Text)>();
            using RouterGenChatClient client = CreateClient(new RouterGenChatClientOptions
            {
                Cascade = new ChatCascade((step, _) =>
                {
                    judged.Add((step.Step, step.Decision.ModelId, step.Response.Text));
                    return ValueTask.FromResult(step.Decision.ModelId != "cheap");
                }),
            });

            ChatResponse response = await client.GetResponseAsync(Ask(ServingProfile.CodePrompt));

            // Escalation follows the request's own options (max quality) among models better than cheap: premium.
            Assert.Equal("premium", response.ModelId);
            Assert.Equal([(1, "cheap", "answer from cheap"), (2, "premium", "answer from premium")], judged);
            RoutedChatDecision decision = response.GetRouteDecision()!;
            Assert.Equal(["cheap", "premium"], decision.AttemptedModels);
            Assert.Equal(2, decision.CascadeSteps);
            Assert.True(decision.CascadeAccepted);
            Assert.Equal(0, _models["mid"].CallCount);
        }

        [Fact]
        public async Task CascadeReturnsTheLastAnswerWhenStepsRunOut()
        {
            using RouterGenChatClient client = CreateClient(new RouterGenChatClientOptions
            {
                Cascade = new ChatCascade((_, _) => ValueTask.FromResult(false)) { MaxSteps = 2 },
            });

            ChatResponse response = await client.GetResponseAsync(Ask(ServingProfile.CodePrompt), new ChatOptions().WithAllowedModels("cheap", "mid"));

            Assert.Equal("mid", response.ModelId);
            Assert.False(response.GetRouteDecision()!.CascadeAccepted);
            Assert.Equal(0, _models["premium"].CallCount);
        }

        [Fact]
        public async Task StickyConversationKeepsItsFirstModel()
        {
            using RouterGenChatClient client = CreateClient(new RouterGenChatClientOptions { StickyConversations = true, DefaultPreset = "balanced" });

            ChatResponse first = await client.GetResponseAsync(Ask(ServingProfile.ChatPrompt), new ChatOptions { ConversationId = "conv-1" });
            ChatResponse second = await client.GetResponseAsync(Ask(ServingProfile.CodePrompt), new ChatOptions { ConversationId = "conv-1" });
            ChatResponse other = await client.GetResponseAsync(Ask(ServingProfile.CodePrompt), new ChatOptions { ConversationId = "conv-2" });
            ChatResponse unkeyed = await client.GetResponseAsync(Ask(ServingProfile.CodePrompt));

            Assert.Equal("cheap", first.ModelId);
            Assert.False(first.GetRouteDecision()!.IsSticky);
            Assert.Equal("cheap", second.ModelId);
            Assert.True(second.GetRouteDecision()!.IsSticky);
            Assert.Equal("premium", other.ModelId);
            Assert.Equal("premium", unkeyed.ModelId);
        }

        [Fact]
        public async Task StickyConversationRoutesAgainWhenTheRequestChangesItsOptions()
        {
            using RouterGenChatClient client = CreateClient(new RouterGenChatClientOptions { StickyConversations = true });

            await client.GetResponseAsync(Ask(ServingProfile.ChatPrompt), new ChatOptions { ConversationId = "c" }.WithRoutingPreset("cheapest"));
            ChatResponse changed = await client.GetResponseAsync(Ask(ServingProfile.ChatPrompt), new ChatOptions { ConversationId = "c" });

            Assert.Equal("premium", changed.ModelId);
            Assert.False(changed.GetRouteDecision()!.IsSticky);
        }

        [Fact]
        public async Task StickyCacheIsBounded()
        {
            using RouterGenChatClient client = CreateClient(new RouterGenChatClientOptions { StickyConversations = true, StickyConversationCapacity = 1, DefaultPreset = "balanced" });

            await client.GetResponseAsync(Ask(ServingProfile.ChatPrompt), new ChatOptions { ConversationId = "a" });
            await client.GetResponseAsync(Ask(ServingProfile.ChatPrompt), new ChatOptions { ConversationId = "b" });
            ChatResponse a = await client.GetResponseAsync(Ask(ServingProfile.CodePrompt), new ChatOptions { ConversationId = "a" });

            // "a" was forgotten when "b" arrived, so its code prompt is routed on its own text.
            Assert.Equal("premium", a.ModelId);
            Assert.False(a.GetRouteDecision()!.IsSticky);
        }

        [Fact]
        public async Task StickyConversationMovesToTheModelThatAnsweredAfterAFallback()
        {
            _models["cheap"].FailWith = new HttpRequestException("cheap down");
            using RouterGenChatClient client = CreateClient(new RouterGenChatClientOptions { StickyConversations = true, DefaultPreset = "balanced" });

            ChatResponse first = await client.GetResponseAsync(Ask(ServingProfile.ChatPrompt), new ChatOptions { ConversationId = "c" });
            _models["cheap"].FailWith = null;
            ChatResponse second = await client.GetResponseAsync(Ask(ServingProfile.ChatPrompt), new ChatOptions { ConversationId = "c" });

            Assert.NotEqual("cheap", first.ModelId);
            Assert.Equal(first.ModelId, second.ModelId);
            Assert.True(second.GetRouteDecision()!.IsSticky);
        }

        [Fact]
        public async Task DependencyInjectionResolvesKeyedModelClients()
        {
            var services = new ServiceCollection();
            services.AddKeyedChatClient("cheap", _models["cheap"]);
            services.AddKeyedChatClient("premium", _models["premium"]);
            services.AddRouterGenChatClient(_ => _router, o => o.DefaultPreset = "balanced");
            using ServiceProvider provider = services.BuildServiceProvider();

            IChatClient client = provider.GetRequiredService<IChatClient>();
            ChatResponse code = await client.GetResponseAsync(Ask(ServingProfile.CodePrompt));
            ChatResponse chat = await client.GetResponseAsync(Ask(ServingProfile.ChatPrompt));

            Assert.NotNull(client.GetService<RouterGenChatClient>());
            Assert.Equal("premium", code.ModelId);
            Assert.Equal("cheap", chat.ModelId);
            Assert.Equal(0, _models["mid"].CallCount);
        }

        [Fact]
        public void DependencyInjectionWithoutAnyModelClientExplainsWhat()
        {
            var services = new ServiceCollection();
            services.AddRouterGenChatClient(_ => _router);
            using ServiceProvider provider = services.BuildServiceProvider();

            InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());

            Assert.Contains("AddKeyedChatClient", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task UseRouterGenSendsTheRoutedModelIdToTheSharedInnerClient()
        {
            var gateway = new FakeChatClient("gateway");
            using IChatClient client = new ChatClientBuilder(gateway).UseRouterGen(_router, o => o.DefaultPreset = "balanced").Build();

            ChatResponse response = await client.GetResponseAsync(Ask(ServingProfile.ChatPrompt));

            Assert.Equal("cheap", gateway.Calls.Single().Options!.ModelId);
            Assert.Equal("cheap", response.ModelId);
            client.Dispose();
            Assert.True(gateway.Disposed);
        }
    }
}
