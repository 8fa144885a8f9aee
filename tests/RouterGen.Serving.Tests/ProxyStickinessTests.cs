using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenAI;
using OpenAI.Chat;
using Xunit;

namespace RouterGen.Serving.Tests
{
    /// <summary>
    /// Conversation stickiness through the <c>x-routergen-conversation</c> header, with the OpenAI SDK. Under
    /// <c>auto:balanced</c> the code prompt routes to premium and the chat prompt to cheap, so a chat turn of a conversation
    /// that began with code shows whether the conversation kept its model.
    /// </summary>
    public sealed class ProxyStickinessTests
    {
        private static ChatClient Sdk(ProxyUnderTest proxy, string? conversation) =>
            new("auto:balanced", new ApiKeyCredential("unused"), Options(proxy, conversation));

        private static OpenAIClientOptions Options(ProxyUnderTest proxy, string? conversation)
        {
            var options = new OpenAIClientOptions { Endpoint = new Uri(proxy.BaseUrl, "/v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) };
            if (conversation is not null)
            {
                options.AddPolicy(new ConversationHeader(conversation), PipelinePosition.PerCall);
            }

            return options;
        }

        private static async Task<(string Model, string? Sticky)> AskAsync(ProxyUnderTest proxy, string? conversation, string prompt)
        {
            ClientResult<ChatCompletion> result = await Sdk(proxy, conversation).CompleteChatAsync([new UserChatMessage(prompt)]);
            PipelineResponse raw = result.GetRawResponse();
            Assert.True(raw.Headers.TryGetValue("x-routergen-model", out string? model));
            Assert.Equal("answer from " + model + "-v1", result.Value.Content[0].Text);
            return (model!, raw.Headers.TryGetValue("x-routergen-sticky", out string? sticky) ? sticky : null);
        }

        [Fact]
        public async Task AConversationKeepsTheModelItWasFirstRoutedTo()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            Assert.Equal(("premium", "false"), await AskAsync(proxy, "conv-1", ServingProfile.CodePrompt));
            Assert.Equal(("premium", "true"), await AskAsync(proxy, "conv-1", ServingProfile.ChatPrompt));

            // Without the header, or in another conversation, the chat prompt is routed on its own text.
            Assert.Equal(("cheap", null), await AskAsync(proxy, null, ServingProfile.ChatPrompt));
            Assert.Equal(("cheap", "false"), await AskAsync(proxy, "conv-2", ServingProfile.ChatPrompt));
            Assert.Equal(("cheap", "true"), await AskAsync(proxy, "conv-2", ServingProfile.CodePrompt));
        }

        [Fact]
        public async Task AConversationWhoseModelIsUnavailableIsRoutedAgainAndSticksToTheNewModel()
        {
            var time = new FakeTimeProvider();
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(
                config => (config.Resilience.BreakerMinimumCalls, config.Resilience.BreakerFailureRatio, config.Resilience.BreakerCooldownSeconds) = (3, 0.5, 30), time: time);
            Assert.Equal(("premium", "false"), await AskAsync(proxy, "conv-1", ServingProfile.CodePrompt));

            // After a fallback the conversation sticks to the model that answered.
            proxy.Upstream.FailNext("premium-v1", 1, 500);
            Assert.Equal(("mid", "false"), await AskAsync(proxy, "conv-2", ServingProfile.CodePrompt));
            Assert.Equal(("mid", "true"), await AskAsync(proxy, "conv-2", ServingProfile.ChatPrompt));

            // A third call, failed, opens premium's circuit (2 of 3 calls failed): conv-1 is routed afresh on its chat
            // turn, to cheap, and sticks there, also once premium is back.
            proxy.Upstream.FailWith("premium-v1", 500);
            Assert.Equal(("mid", null), await AskAsync(proxy, null, ServingProfile.CodePrompt));
            Assert.Contains(proxy.Log, line => line.Contains("Circuit of upstream premium opened", StringComparison.Ordinal));
            Assert.Equal(("cheap", "false"), await AskAsync(proxy, "conv-1", ServingProfile.ChatPrompt));
            Assert.Contains(proxy.Log, line => line.Contains("Conversation routed afresh: its model premium has its circuit open", StringComparison.Ordinal));

            proxy.Upstream.FailWith("premium-v1", 0);
            time.Advance(TimeSpan.FromSeconds(30));
            Assert.Equal(("cheap", "true"), await AskAsync(proxy, "conv-1", ServingProfile.CodePrompt));
            Assert.Equal(3, proxy.Upstream.Received.Count(r => r.Model == "premium-v1"));
        }

        [Fact]
        public async Task TwoProxiesSharingAHybridCacheKeepAConversationOnOneModel()
        {
            // One HybridCache for both stands in for instances sharing its distributed level.
            using ServiceProvider services = new ServiceCollection().AddHybridCache().Services.BuildServiceProvider();
            HybridCache shared = services.GetRequiredService<HybridCache>();
            await using ProxyUnderTest first = await ProxyUnderTest.StartAsync(stickinessCache: shared);
            await using ProxyUnderTest second = await ProxyUnderTest.StartAsync(stickinessCache: shared);

            Assert.Equal(("premium", "false"), await AskAsync(first, "conv-1", ServingProfile.CodePrompt));
            Assert.Equal(("premium", "true"), await AskAsync(second, "conv-1", ServingProfile.ChatPrompt));
            Assert.Equal(("cheap", "false"), await AskAsync(second, "conv-2", ServingProfile.ChatPrompt));
        }

        [Fact]
        public async Task AMalformedConversationIdIsA400()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent(JsonSerializer.Serialize(new { model = "auto", messages = new[] { new { role = "user", content = "hi" } } }), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("x-routergen-conversation", new string('x', 257));

            using HttpResponseMessage response = await proxy.Http.SendAsync(request);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("invalid_header", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Empty(proxy.Upstream.Received);
        }

        private sealed class ConversationHeader(string conversation) : PipelinePolicy
        {
            public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
            {
                message.Request.Headers.Set("x-routergen-conversation", conversation);
                ProcessNext(message, pipeline, currentIndex);
            }

            public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
            {
                message.Request.Headers.Set("x-routergen-conversation", conversation);
                return ProcessNextAsync(message, pipeline, currentIndex);
            }
        }
    }
}
