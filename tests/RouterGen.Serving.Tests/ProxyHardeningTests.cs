using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Serving.Tests
{
    /// <summary>Hostile requests and upstreams against the proxy on loopback: clean OpenAI-shaped errors, caps, redaction, honest metrics.</summary>
    public sealed class ProxyHardeningTests
    {
        private static ByteArrayContent Bytes(byte[] body)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return content;
        }

        private static async Task<(HttpStatusCode Status, string Code, string? Param, string Message)> PostAsync(ProxyUnderTest proxy, byte[] body)
        {
            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Bytes(body));
            string text = await response.Content.ReadAsStringAsync();
            using JsonDocument json = JsonDocument.Parse(text);
            JsonElement error = json.RootElement.GetProperty("error");
            JsonElement param = error.GetProperty("param");
            return (response.StatusCode, error.GetProperty("code").GetString()!, param.ValueKind == JsonValueKind.Null ? null : param.GetString(), error.GetProperty("message").GetString()!);
        }

        private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

        [Theory]
        [InlineData("{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"fix \\ud800 this\"}]}", "invalid_json", "messages[0].content")]
        [InlineData("{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"\\udc00\":1}", "invalid_json", null)]
        [InlineData("{\"model\":\"auto\",\"model\":\"cheap\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "invalid_json", "model")]
        [InlineData("{\"model\":\"auto\",\"messages\":[{\"role\":5,\"content\":\"x\"}]}", "invalid_type", "messages[0].role")]
        [InlineData("{\"model\":\"auto\",\"messages\":[{\"content\":\"x\"}]}", "invalid_type", "messages[0].role")]
        [InlineData("{\"model\":\"auto\",\"messages\":[\"hello\"]}", "invalid_type", "messages[0]")]
        [InlineData("{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":7,\"text\":\"x\"}]}]}", "invalid_type", "messages[0].content[0].type")]
        [InlineData("{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}]}", "invalid_type", "messages[0].content[0].type")]
        [InlineData("{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":[\"x\"]}]}", "invalid_type", "messages[0].content[0].type")]
        public async Task HostileRequestsGetAnOpenAIShaped400AndNoStackTraceInTheLog(string body, string code, string? param)
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            var (status, actualCode, actualParam, _) = await PostAsync(proxy, Utf8(body));

            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(code, actualCode);
            Assert.Equal(param, actualParam);
            Assert.Empty(proxy.Upstream.Received);
            Assert.DoesNotContain(proxy.Log, entry => entry.Contains("   at ", StringComparison.Ordinal));
        }

        [Fact]
        public async Task InvalidUtf8GetsAnOpenAIShaped400NamingTheField()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            var (status, code, param, message) = await PostAsync(proxy, [.. "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"caf"u8, 0xC3, 0x28, .. "\"}]}"u8]);

            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("invalid_json", code);
            Assert.Equal("messages[0].content", param);
            Assert.Contains("not valid UTF-8", message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task AnUpstreamAnswerOverTheCapIsAFailedAttemptAndFallsBack()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(config => config.MaxUpstreamResponseBytes = 64 * 1024);
            string huge = "{\"padding\":\"" + new string('x', 200 * 1024) + "\"}";
            proxy.Upstream.ReplyWith("premium-v1", 200, huge[..(huge.Length / 2)], huge[(huge.Length / 2)..]);

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Bytes(Utf8(JsonSerializer.Serialize(new { model = "auto", messages = new[] { new { role = "user", content = ServingProfile.CodePrompt } } }))));
            PrometheusScrape metrics = await PrometheusScrape.FetchAsync(proxy.Http);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("mid", response.Headers.GetValues("x-routergen-model").Single());
            Assert.Equal(1, metrics.Sum("routergen_upstream_failures_total", ("routergen_model", "premium"), ("routergen_failure", "response_too_large")));
        }

        [Fact]
        public async Task AnUpstreamThatEchoesItsKeyInAnErrorBodyHasItMasked()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();
            string echoed = ProxyUnderTest.UpstreamKeyOf("premium");
            proxy.Upstream.ReplyWith("premium-v1", 401, "{\"error\":{\"message\":\"Incorrect API key provided: " + echoed[..5], echoed[5..] + ".\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}");

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Bytes(Utf8(JsonSerializer.Serialize(new { model = "premium", messages = new[] { new { role = "user", content = "hi" } } }))));
            string body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.DoesNotContain(echoed, body, StringComparison.Ordinal);
            Assert.Contains("Incorrect API key provided: " + new string('*', echoed.Length) + ".", body, StringComparison.Ordinal);
        }

        [Fact]
        public async Task AStreamedAnswerHasUpstreamKeysMaskedEvenAcrossChunks()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();
            string echoed = ProxyUnderTest.UpstreamKeyOf("cheap");
            proxy.Upstream.ReplyWith("premium-v1", 200, "data: {\"k\":\"" + echoed[..3], echoed[3..9], echoed[9..] + "\"}\n\n", "data: [DONE]\n\n");

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Bytes(Utf8(JsonSerializer.Serialize(new { model = "premium", stream = true, messages = new[] { new { role = "user", content = "hi" } } }))));
            string body = await response.Content.ReadAsStringAsync();

            Assert.Equal("data: {\"k\":\"" + new string('*', echoed.Length) + "\"}\n\ndata: [DONE]\n\n", body);
        }

        private sealed class ThrowingRouter(IPromptRouter inner) : IPromptRouter
        {
            public RouterTables Tables => inner.Tables;

            public RouteDecision Route(ReadOnlySpan<char> prompt, in RoutingOptions options) =>
                prompt.SequenceEqual("crash") ? throw new InvalidOperationException("router bug") : inner.Route(prompt, options);
        }

        [Fact]
        public async Task ACrashIsAnOpenAIShaped500AndCountedAs500NotAs200()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(wrapRouter: router => new ThrowingRouter(router));

            var (status, code, _, _) = await PostAsync(proxy, Utf8("{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"crash\"}]}"));
            PrometheusScrape metrics = await PrometheusScrape.FetchAsync(proxy.Http);

            Assert.Equal(HttpStatusCode.InternalServerError, status);
            Assert.Equal("internal_error", code);
            Assert.Equal(1, metrics.Sum("routergen_proxy_requests_total", ("routergen_route", "rejected"), ("http_response_status_code", "500")));
            Assert.Equal(1, metrics.Sum("routergen_proxy_requests_total"));
            Assert.Single(proxy.Log, entry => entry.Contains("router bug", StringComparison.Ordinal));
        }

        [Fact]
        public async Task AnAbortedUploadIsNotCountedAs200()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();
            using (var client = new TcpClient())
            {
                await client.ConnectAsync(IPAddress.Loopback, proxy.BaseUrl.Port);
                NetworkStream stream = client.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{{\"model\":\"auto\",\"messages\":["));
                await stream.FlushAsync();
                await Task.Delay(100);
            }

            PrometheusScrape metrics = await PrometheusScrape.FetchAsync(proxy.Http);
            for (int poll = 0; poll < 100 && metrics.Sum("routergen_proxy_requests_total") == 0; poll++)
            {
                await Task.Delay(50);
                metrics = await PrometheusScrape.FetchAsync(proxy.Http);
            }

            Assert.Equal(1, metrics.Sum("routergen_proxy_requests_total", ("routergen_route", "rejected")));
            Assert.Empty(metrics.Matching("routergen_proxy_requests_total", ("http_response_status_code", "200")));
        }

        [Fact]
        public async Task AzureStyleBaseUrlWithAQueryReachesTheUpstreamPath()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(config => config.Models["other"].BaseUrl = config.Models["other"].BaseUrl!.TrimEnd('/') + "?api-version=2024-10-21");

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Bytes(Utf8("{\"model\":\"other\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("other-v7", Assert.Single(proxy.Upstream.Received).Model);
        }
    }
}
