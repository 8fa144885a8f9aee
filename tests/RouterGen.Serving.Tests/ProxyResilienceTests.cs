using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using OpenAI;
using OpenAI.Chat;
using RouterGen.Proxy;
using Xunit;

namespace RouterGen.Serving.Tests
{
    /// <summary>
    /// Retries, Retry-After, circuit breaking and timeouts of the proxy's upstream calls, over loopback with the OpenAI SDK.
    /// Time is a <see cref="FakeTimeProvider"/>: backoff and cooldowns are stepped through, never waited for, and waits
    /// are measured on the fake clock. ServingProfile.CodePrompt routes to premium, then mid, then cheap.
    /// </summary>
    public sealed class ProxyResilienceTests
    {
        private static ChatClient Sdk(ProxyUnderTest proxy, string model = "auto") =>
            new(model, new ApiKeyCredential("unused"), new OpenAIClientOptions
            {
                Endpoint = new Uri(proxy.BaseUrl, "/v1"),
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            });

        private static string Header(PipelineResponse response, string name) =>
            response.Headers.TryGetValue(name, out string? value) ? value! : throw new Xunit.Sdk.XunitException($"Header {name} missing.");

        private static Task<ClientResult<ChatCompletion>> AskAsync(ChatClient sdk) => sdk.CompleteChatAsync([new UserChatMessage(ServingProfile.CodePrompt)]);

        private static async Task<string> StreamTextAsync(ProxyUnderTest proxy)
        {
            var text = new StringBuilder();
            await foreach (StreamingChatCompletionUpdate update in Sdk(proxy).CompleteChatStreamingAsync([new UserChatMessage(ServingProfile.CodePrompt)]))
            {
                text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            }

            return text.ToString();
        }

        private static int CallsTo(ProxyUnderTest proxy, string upstreamModel) => proxy.Upstream.Received.Count(r => r.Model == upstreamModel);

        private static Task<ProxyUnderTest> StartAsync(FakeTimeProvider time, Action<ResilienceConfig> resilience, int maxAttempts = 3) =>
            ProxyUnderTest.StartAsync(
                config =>
                {
                    config.MaxAttempts = maxAttempts;
                    config.UpstreamTimeoutSeconds = 600;
                    resilience(config.Resilience);
                },
                time: time);

        // Waits (in real time) for the upstream's first calls, then steps the fake clock until it has received `calls`
        // requests: a retry is due only once its delay has passed on the fake clock. It stops there, so that no other
        // timer can fire while the answer is relayed.
        private static async Task AdvanceUntilCallsAsync(FakeTimeProvider time, ProxyUnderTest proxy, int calls, Task request)
        {
            await WaitForCallsAsync(proxy, calls - 1, request);
            for (int step = 0; proxy.Upstream.Received.Count < calls && !request.IsCompleted; step++)
            {
                Assert.True(step < 2000, $"the upstream received {proxy.Upstream.Received.Count} of {calls} calls after 200 s of fake time");
                time.Advance(TimeSpan.FromMilliseconds(100));
                await Task.WhenAny(request, Task.Delay(10));
            }
        }

        private static async Task WaitForCallsAsync(ProxyUnderTest proxy, int calls, Task request)
        {
            Task bound = Task.Delay(TimeSpan.FromSeconds(30));
            while (proxy.Upstream.Received.Count < calls && !request.IsCompleted && !bound.IsCompleted)
            {
                await Task.WhenAny(request, Task.Delay(10));
            }

            Assert.True(proxy.Upstream.Received.Count >= calls, $"the upstream received {proxy.Upstream.Received.Count} of {calls} calls");
        }

        [Fact]
        public async Task A5xxIsRetriedOnTheSameModelAndItsAnswerIsServed()
        {
            var time = new FakeTimeProvider();
            await using ProxyUnderTest proxy = await StartAsync(time, r => r.Retries = 2);
            proxy.Upstream.Clock = time;
            proxy.Upstream.FailNext("premium-v1", 1, 503);

            Task<ClientResult<ChatCompletion>> request = AskAsync(Sdk(proxy));
            await AdvanceUntilCallsAsync(time, proxy, 2, request);
            ClientResult<ChatCompletion> result = await request;

            Assert.Equal("answer from premium-v1", result.Value.Content[0].Text);
            Assert.Equal(["premium-v1", "premium-v1"], proxy.Upstream.Received.Select(r => r.Model));
            Assert.Equal("premium", Header(result.GetRawResponse(), "x-routergen-model"));
            Assert.Equal("0", Header(result.GetRawResponse(), "x-routergen-fallbacks"));
            Assert.Contains(proxy.Log, line => line.Contains("Upstream premium failed (status_5xx); retry 1 of 2", StringComparison.Ordinal));
        }

        [Fact]
        public async Task AStreamedRequestIsRetriedBeforeItsFirstByte()
        {
            var time = new FakeTimeProvider();
            await using ProxyUnderTest proxy = await StartAsync(time, r => r.Retries = 1);
            proxy.Upstream.FailNext("premium-v1", 1, 500);

            Task<string> streamed = Task.Run(() => StreamTextAsync(proxy));
            await AdvanceUntilCallsAsync(time, proxy, 2, streamed);

            Assert.Equal("answer from premium-v1", await streamed);
            Assert.Equal(2, CallsTo(proxy, "premium-v1"));
        }

        [Fact]
        public async Task TheUpstreamsRetryAfterIsWaitedOnTheSameModel()
        {
            var time = new FakeTimeProvider();
            await using ProxyUnderTest proxy = await StartAsync(time, r => (r.Retries, r.RetryBaseDelaySeconds, r.RetryMaxDelaySeconds) = (2, 0.5, 10));
            proxy.Upstream.Clock = time;
            proxy.Upstream.FailNext("premium-v1", 1, 429, "3");

            Task<ClientResult<ChatCompletion>> request = AskAsync(Sdk(proxy));
            await AdvanceUntilCallsAsync(time, proxy, 2, request);
            ClientResult<ChatCompletion> result = await request;

            Assert.Equal("answer from premium-v1", result.Value.Content[0].Text);
            FakeOpenAIUpstream.ReceivedRequest[] calls = proxy.Upstream.Received.ToArray();
            Assert.Equal(2, calls.Length);

            // Three seconds of the fake clock passed between the calls, not the 0.5 s backoff.
            TimeSpan waited = calls[1].ReceivedAt - calls[0].ReceivedAt;
            Assert.True(waited >= TimeSpan.FromSeconds(3), $"the retry came after {waited.TotalSeconds} s of fake time");
            Assert.Contains(proxy.Log, line => line.Contains("Upstream premium failed (status_429); retry 1 of 2 in 3000 ms", StringComparison.Ordinal));
        }

        [Fact]
        public async Task ARetryAfterLongerThanTheRetryBoundMovesToTheNextModelWithoutWaiting()
        {
            var time = new FakeTimeProvider();
            await using ProxyUnderTest proxy = await StartAsync(time, r => (r.Retries, r.RetryMaxDelaySeconds) = (2, 10));
            proxy.Upstream.FailWith("premium-v1", 429, "60");

            // The fake clock never moves: any wait would never end.
            ClientResult<ChatCompletion> result = await AskAsync(Sdk(proxy));

            Assert.Equal("answer from mid-v1", result.Value.Content[0].Text);
            Assert.Equal(["premium-v1", "mid-v1"], proxy.Upstream.Received.Select(r => r.Model));
            Assert.Equal("premium:status_429", Header(result.GetRawResponse(), "x-routergen-failed-attempts"));
        }

        [Fact]
        public async Task AFailingModelsCircuitOpensSoTheNextRequestSkipsItAndItIsProbedAfterTheCooldown()
        {
            var time = new FakeTimeProvider();
            await using ProxyUnderTest proxy = await StartAsync(time, r => (r.BreakerMinimumCalls, r.BreakerFailureRatio, r.BreakerCooldownSeconds) = (2, 0.5, 30));
            proxy.Upstream.FailWith("premium-v1", 500);
            ChatClient sdk = Sdk(proxy);

            // Two failed calls in the window (ratio 1 >= 0.5 over the minimum of 2) open premium's circuit.
            for (int i = 0; i < 2; i++)
            {
                ClientResult<ChatCompletion> fellBack = await AskAsync(sdk);
                Assert.Equal("answer from mid-v1", fellBack.Value.Content[0].Text);
            }

            Assert.Equal(2, CallsTo(proxy, "premium-v1"));
            Assert.Contains(proxy.Log, line => line.Contains("Circuit of upstream premium opened", StringComparison.Ordinal));

            // Open: the request goes straight to mid, premium is not called, and the answer says why.
            ClientResult<ChatCompletion> skipped = await AskAsync(sdk);
            Assert.Equal("answer from mid-v1", skipped.Value.Content[0].Text);
            Assert.Equal(2, CallsTo(proxy, "premium-v1"));
            Assert.Equal("premium:circuit_open", Header(skipped.GetRawResponse(), "x-routergen-failed-attempts"));
            Assert.Contains(proxy.Log, line => line.Contains("Upstream premium skipped: its circuit is open for 30 s more", StringComparison.Ordinal));

            // Still open one second before the cooldown ends.
            time.Advance(TimeSpan.FromSeconds(29));
            await AskAsync(sdk);
            Assert.Equal(2, CallsTo(proxy, "premium-v1"));

            // After the cooldown premium is probed; healthy again, it answers and its circuit closes.
            proxy.Upstream.FailWith("premium-v1", 0);
            time.Advance(TimeSpan.FromSeconds(1));
            ClientResult<ChatCompletion> probed = await AskAsync(sdk);
            Assert.Equal("answer from premium-v1", probed.Value.Content[0].Text);
            Assert.Equal(3, CallsTo(proxy, "premium-v1"));
            Assert.Contains(proxy.Log, line => line.Contains("Circuit of upstream premium closed", StringComparison.Ordinal));

            // One line per event, from the proxy: Polly's own entries (with stack traces) are filtered out.
            Assert.DoesNotContain(proxy.Log, line => line.Contains(" Polly:", StringComparison.Ordinal) || line.Contains("   at ", StringComparison.Ordinal));
            ClientResult<ChatCompletion> closed = await AskAsync(sdk);
            Assert.Equal("answer from premium-v1", closed.Value.Content[0].Text);
        }

        [Fact]
        public async Task WhenEveryModelsCircuitIsOpenTheAnswerIs503WithTheSoonestClose()
        {
            var time = new FakeTimeProvider();
            await using ProxyUnderTest proxy = await StartAsync(time, r => (r.BreakerMinimumCalls, r.BreakerCooldownSeconds) = (2, 30));
            foreach (string model in new[] { "premium-v1", "mid-v1", "cheap-v1" })
            {
                proxy.Upstream.FailWith(model, 500);
            }

            string body = JsonSerializer.Serialize(new { model = "auto", messages = new[] { new { role = "user", content = ServingProfile.CodePrompt } } });
            for (int i = 0; i < 2; i++)
            {
                using HttpResponseMessage failed = await proxy.Http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
                if (i == 0)
                {
                    time.Advance(TimeSpan.FromSeconds(10));
                }
            }

            // All three circuits opened at the second request, for 30 s; 4 s later the soonest close is 26 s away.
            time.Advance(TimeSpan.FromSeconds(4));
            int calls = proxy.Upstream.Received.Count;
            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(26), response.Headers.RetryAfter?.Delta);
            Assert.Equal(calls, proxy.Upstream.Received.Count);
            using JsonDocument error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("upstream_circuit_open", error.RootElement.GetProperty("error").GetProperty("code").GetString());

            // The SDK sees an ordinary 503.
            ClientResultException sdkError = await Assert.ThrowsAsync<ClientResultException>(() => AskAsync(Sdk(proxy)));
            Assert.Equal(503, sdkError.Status);
        }

        [Fact]
        public async Task TheTotalTimeoutEndsARequestWhoseUpstreamsDoNotAnswerWith504()
        {
            var time = new FakeTimeProvider();
            await using ProxyUnderTest proxy = await StartAsync(time, r => r.TotalTimeoutSeconds = 5);
            proxy.Upstream.Delay("premium-v1", TimeSpan.FromMinutes(5));

            string body = JsonSerializer.Serialize(new { model = "auto", messages = new[] { new { role = "user", content = ServingProfile.CodePrompt } } });
            Task<HttpResponseMessage> request = proxy.Http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
            await WaitForCallsAsync(proxy, 1, request);
            time.Advance(TimeSpan.FromSeconds(5));
            using HttpResponseMessage response = await request;

            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            using JsonDocument error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("upstream_timeout", error.RootElement.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal(["premium-v1"], proxy.Upstream.Received.Select(r => r.Model));
        }

        [Fact]
        public async Task AStreamThatSendsNothingBeforeItsFirstByteFallsBackToTheNextModel()
        {
            var time = new FakeTimeProvider();
            await using ProxyUnderTest proxy = await StartAsync(time, r => r.StreamIdleTimeoutSeconds = 5);
            proxy.Upstream.StallStreamAfter("premium-v1", 0);

            Task<string> streamed = Task.Run(() => StreamTextAsync(proxy));
            await AdvanceUntilCallsAsync(time, proxy, 2, streamed);

            Assert.Equal("answer from mid-v1", await streamed);
            Assert.Equal(["premium-v1", "mid-v1"], proxy.Upstream.Received.Select(r => r.Model));
            Assert.Contains(proxy.Log, line => line.Contains("Upstream premium failed: stream_idle", StringComparison.Ordinal));
        }

        [Fact]
        public async Task AStreamThatGoesQuietAfterItsFirstByteEndsWithAnErrorEvent()
        {
            var time = new FakeTimeProvider();
            await using ProxyUnderTest proxy = await StartAsync(time, r => r.StreamIdleTimeoutSeconds = 5);
            proxy.Upstream.StallStreamAfter("premium-v1", 1);

            string body = JsonSerializer.Serialize(new { model = "auto", stream = true, messages = new[] { new { role = "user", content = ServingProfile.CodePrompt } } });
            using var post = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            using HttpResponseMessage response = await proxy.Http.SendAsync(post, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Task<string> events = response.Content.ReadAsStringAsync();
            for (int step = 0; !events.IsCompleted; step++)
            {
                Assert.True(step < 2000, "the stream did not end after 200 s of fake time");
                time.Advance(TimeSpan.FromMilliseconds(100));
                await Task.WhenAny(events, Task.Delay(10));
            }

            string text = await events;
            string[] data = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, data.Length);
            Assert.Contains("\"content\":\"answer \"", data[0], StringComparison.Ordinal);
            using JsonDocument error = JsonDocument.Parse(data[1]["data: ".Length..]);
            Assert.Equal("stream_idle_timeout", error.RootElement.GetProperty("error").GetProperty("code").GetString());
            Assert.DoesNotContain("[DONE]", text, StringComparison.Ordinal);
            Assert.Equal(["premium-v1"], proxy.Upstream.Received.Select(r => r.Model));
            Assert.Contains(proxy.Log, line => line.Contains("Upstream premium sent nothing for 5 s after its stream started", StringComparison.Ordinal));

            // The OpenAI .NET SDK does not raise error events; what it shows is an answer with no finish reason.
            Task<StreamingChatCompletionUpdate[]> consumed = Task.Run(async () =>
            {
                var updates = new System.Collections.Generic.List<StreamingChatCompletionUpdate>();
                await foreach (StreamingChatCompletionUpdate update in Sdk(proxy).CompleteChatStreamingAsync([new UserChatMessage(ServingProfile.CodePrompt)]))
                {
                    updates.Add(update);
                }

                return updates.ToArray();
            });
            for (int step = 0; !consumed.IsCompleted; step++)
            {
                Assert.True(step < 2000, "the SDK's stream did not end after 200 s of fake time");
                time.Advance(TimeSpan.FromMilliseconds(100));
                await Task.WhenAny(consumed, Task.Delay(10));
            }

            StreamingChatCompletionUpdate[] seen = await consumed;
            Assert.Equal("answer ", string.Concat(seen.SelectMany(u => u.ContentUpdate).Select(p => p.Text)));
            Assert.All(seen, u => Assert.Null(u.FinishReason));
        }
    }
}
