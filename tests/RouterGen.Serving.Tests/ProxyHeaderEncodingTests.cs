using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using OpenAI;
using OpenAI.Chat;
using Xunit;

namespace RouterGen.Serving.Tests
{
    /// <summary>Non-ASCII routing header values: an RFC 8187 ext-value in the starred header plus an ASCII fallback, never '?'.</summary>
    public sealed class ProxyHeaderEncodingTests
    {
        private const string CodeLabel = "Mathématiques & 代码 100%";
        private const string ChatLabel = "chat";

        private static Task<ProxyUnderTest> StartAsync() =>
            ProxyUnderTest.StartAsync(profile: p => (p.Clusters[0].Label, p.Clusters[1].Label) = (CodeLabel, ChatLabel));

        [Fact]
        public async Task ANonAsciiClusterLabelIsSentAsAnRfc8187ExtValueWithAnAsciiFallback()
        {
            await using ProxyUnderTest proxy = await StartAsync();
            ChatClient sdk = new("auto", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(proxy.BaseUrl, "/v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) });

            PipelineResponse raw = (await sdk.CompleteChatAsync([new UserChatMessage(ServingProfile.CodePrompt)])).GetRawResponse();

            Assert.True(raw.Headers.TryGetValue("x-routergen-cluster-label*", out string? extended));
            Assert.True(raw.Headers.TryGetValue("x-routergen-cluster-label", out string? fallback));
            Assert.StartsWith("UTF-8''", extended, StringComparison.Ordinal);
            Assert.Equal(CodeLabel, Uri.UnescapeDataString(extended!["UTF-8''".Length..]));
            Assert.Equal("Mathematiques & %E4%BB%A3%E7%A0%81 100%25", fallback);
            Assert.DoesNotContain('?', fallback!);
        }

        [Fact]
        public async Task AnAsciiLabelIsSentAsIsWithoutAStarredHeader()
        {
            await using ProxyUnderTest proxy = await StartAsync();
            string body = JsonSerializer.Serialize(new { model = "auto:balanced", messages = new[] { new { role = "user", content = ServingProfile.ChatPrompt } } });

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

            Assert.Equal(ChatLabel, response.Headers.GetValues("x-routergen-cluster-label").Single());
            Assert.False(response.Headers.Contains("x-routergen-cluster-label*"));
        }
    }
}
