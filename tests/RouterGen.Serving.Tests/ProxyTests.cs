using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using OpenAI;
using OpenAI.Chat;
using Xunit;

namespace RouterGen.Serving.Tests
{
    /// <summary>The proxy over real HTTP on loopback, called by the official OpenAI SDK and by raw HTTP.</summary>
    public sealed class ProxyTests
    {
        private static ChatClient Sdk(ProxyUnderTest proxy, string model, string key = ProxyUnderTest.ClientKey) =>
            new(model, new ApiKeyCredential(key), new OpenAIClientOptions
            {
                Endpoint = new Uri(proxy.BaseUrl, "/v1"),
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            });

        private static string Header(PipelineResponse response, string name) =>
            response.Headers.TryGetValue(name, out string? value) ? value! : throw new Xunit.Sdk.XunitException($"Header {name} missing.");

        private static string Header(HttpResponseMessage response, string name) =>
            response.Headers.TryGetValues(name, out var values) ? values.Single() : throw new Xunit.Sdk.XunitException($"Header {name} missing.");

        private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

        private static string Body(string model, string prompt, bool stream = false) =>
            JsonSerializer.Serialize(new { model, stream, messages = new[] { new { role = "user", content = prompt } } });

        private static async Task<(string Code, string Message)> ErrorOf(HttpResponseMessage response)
        {
            using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            JsonElement error = json.RootElement.GetProperty("error");
            Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
            return (error.GetProperty("code").GetString()!, error.GetProperty("message").GetString()!);
        }

        [Fact]
        public async Task NonStreamingAutoRequestIsRoutedAndForwardedWithTheUpstreamNameAndKey()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(requireClientKey: true);

            ClientResult<ChatCompletion> result = await Sdk(proxy, "auto").CompleteChatAsync([new UserChatMessage(ServingProfile.CodePrompt)]);

            Assert.Equal("answer from premium-v1", result.Value.Content[0].Text);
            PipelineResponse raw = result.GetRawResponse();
            Assert.Equal("premium", Header(raw, "x-routergen-model"));
            Assert.Equal("0", Header(raw, "x-routergen-cluster"));
            Assert.Equal("code", Header(raw, "x-routergen-cluster-label"));
            Assert.Equal("max-quality", Header(raw, "x-routergen-preset"));
            Assert.Equal("0", Header(raw, "x-routergen-fallbacks"));
            FakeOpenAIUpstream.ReceivedRequest received = Assert.Single(proxy.Upstream.Received);
            Assert.Equal("premium-v1", received.Model);
            Assert.Equal("Bearer " + ProxyUnderTest.UpstreamKeyOf("premium"), received.Authorization);
            Assert.Contains(ServingProfile.CodePrompt, received.Body, StringComparison.Ordinal);
        }

        [Fact]
        public async Task StreamingRequestRelaysTheUpstreamChunks()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            AsyncCollectionResult<StreamingChatCompletionUpdate> updates = Sdk(proxy, "auto:balanced").CompleteChatStreamingAsync([new UserChatMessage(ServingProfile.ChatPrompt)]);
            var text = new StringBuilder();
            await foreach (StreamingChatCompletionUpdate update in updates)
            {
                foreach (ChatMessageContentPart part in update.ContentUpdate)
                {
                    text.Append(part.Text);
                }
            }

            Assert.Equal("answer from cheap-v1", text.ToString());
            Assert.Contains("\"stream\":true", Assert.Single(proxy.Upstream.Received).Body, StringComparison.Ordinal);
        }

        [Fact]
        public async Task StreamingBodyIsPassedThroughAsServerSentEvents()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body("auto", ServingProfile.CodePrompt, stream: true)));
            string body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal("premium", Header(response, "x-routergen-model"));
            Assert.Equal("max-quality", Header(response, "x-routergen-preset"));
            Assert.Equal(5, body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
            Assert.Contains("\"content\":\"premium-v1\"", body, StringComparison.Ordinal);
        }

        [Fact]
        public async Task OtherModelNamesPassThroughToTheirUpstream()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            ClientResult<ChatCompletion> result = await Sdk(proxy, "other").CompleteChatAsync([new UserChatMessage(ServingProfile.CodePrompt)]);

            Assert.Equal("answer from other-v7", result.Value.Content[0].Text);
            Assert.Equal("other", Header(result.GetRawResponse(), "x-routergen-model"));
            Assert.Equal("none", Header(result.GetRawResponse(), "x-routergen-preset"));
            Assert.Equal("", Assert.Single(proxy.Upstream.Received).Authorization);
        }

        [Fact]
        public async Task UpstreamServerErrorFallsBackToTheNextRankedModel()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();
            proxy.Upstream.FailWith("premium-v1", 500);

            ClientResult<ChatCompletion> result = await Sdk(proxy, "auto").CompleteChatAsync([new UserChatMessage(ServingProfile.CodePrompt)]);
            PrometheusScrape metrics = await PrometheusScrape.FetchAsync(proxy.Http);

            Assert.Equal("answer from mid-v1", result.Value.Content[0].Text);
            Assert.Equal("mid", Header(result.GetRawResponse(), "x-routergen-model"));
            Assert.Equal("1", Header(result.GetRawResponse(), "x-routergen-fallbacks"));
            Assert.Equal(["premium-v1", "mid-v1"], proxy.Upstream.Received.Select(r => r.Model));
            Assert.Equal(1, metrics.Sum("routergen_fallbacks_total", ("routergen_model", "premium"), ("routergen_failure", "status_5xx")));
            Assert.Equal(1, metrics.Sum("routergen_fallbacks_total"));
            Assert.Equal(1, metrics.Sum("routergen_upstream_failures_total", ("routergen_model", "premium"), ("routergen_failure", "status_5xx")));
            Assert.Equal(1, metrics.Sum("routergen_decisions_total", ("routergen_model", "premium")));
            Assert.Equal(1, metrics.Sum("routergen_decisions_total"));
        }

        [Fact]
        public async Task UpstreamTimeoutFallsBackToTheNextRankedModel()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(config => config.Models["premium"].TimeoutSeconds = 0.3);
            proxy.Upstream.Delay("premium-v1", TimeSpan.FromSeconds(5));

            ClientResult<ChatCompletion> result = await Sdk(proxy, "auto").CompleteChatAsync([new UserChatMessage(ServingProfile.CodePrompt)]);

            Assert.Equal("answer from mid-v1", result.Value.Content[0].Text);
            Assert.Equal("1", Header(result.GetRawResponse(), "x-routergen-fallbacks"));
            Assert.Equal(1, (await PrometheusScrape.FetchAsync(proxy.Http)).Sum("routergen_upstream_failures_total", ("routergen_model", "premium"), ("routergen_failure", "timeout")));
        }

        [Fact]
        public async Task StreamingFallsBackWhenTheUpstreamFailsBeforeTheStreamStarts()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();
            proxy.Upstream.FailWith("premium-v1", 503);

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body("auto", ServingProfile.CodePrompt, stream: true)));
            string body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("mid", Header(response, "x-routergen-model"));
            Assert.Contains("\"content\":\"mid-v1\"", body, StringComparison.Ordinal);
        }

        [Fact]
        public async Task StreamBrokenAfterItStartedIsNotRestartedOnAnotherModel()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();
            var firstChunkRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            proxy.Upstream.BreakStreamAfter("premium-v1", 1, firstChunkRead.Task);

            using HttpResponseMessage response = await proxy.Http.SendAsync(
                new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(Body("auto", ServingProfile.CodePrompt, stream: true)) },
                HttpCompletionOption.ResponseHeadersRead);
            using var reader = new System.IO.StreamReader(await response.Content.ReadAsStreamAsync());
            var received = new StringBuilder();
            Exception? broken = await Record.ExceptionAsync(async () =>
            {
                string? line;
                while ((line = await reader.ReadLineAsync()) is not null)
                {
                    received.Append(line).Append('\n');
                    if (line.StartsWith("data:", StringComparison.Ordinal))
                    {
                        // The client has part of premium's answer: only now does the upstream drop the stream.
                        firstChunkRead.TrySetResult();
                    }
                }
            });

            // The client sees the first chunk and then a broken connection, never a second model's answer appended.
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("\"content\":\"answer \"", received.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("[DONE]", received.ToString(), StringComparison.Ordinal);
            Assert.IsAssignableFrom<System.IO.IOException>(broken);
            Assert.Equal(["premium-v1"], proxy.Upstream.Received.Select(r => r.Model));
            Assert.Equal(1, (await PrometheusScrape.FetchAsync(proxy.Http)).Sum("routergen_upstream_failures_total", ("routergen_model", "premium"), ("routergen_failure", "stream_broken")));
        }

        [Fact]
        public async Task EveryUpstreamFailingIsA502InOpenAIShapeWithoutSecrets()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(config => config.MaxAttempts = 2);
            proxy.Upstream.FailWith("premium-v1", 500);
            proxy.Upstream.FailWith("mid-v1", 502);

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body("auto", ServingProfile.CodePrompt)));
            string raw = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Equal(2, proxy.Upstream.Received.Count);
            (string code, string message) = await ErrorOf(response);
            Assert.Equal("upstream_unavailable", code);
            Assert.Contains("premium (HTTP 500), mid (HTTP 502)", message, StringComparison.Ordinal);
            Assert.DoesNotContain("upstream-secret", raw + string.Join(";", response.Headers.SelectMany(h => h.Value)), StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task UpstreamResponseHeadersPassThroughExceptHopByHopAndTheProxysOwn(bool stream)
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();
            proxy.Upstream.AnswerWithHeaders(
                "premium-v1",
                ("x-request-id", "req-123"),
                ("x-ratelimit-remaining-requests", "41"),
                ("openai-processing-ms", "17"),
                ("x-routergen-model", "forged"),
                ("x-echo", "key " + ProxyUnderTest.UpstreamKeyOf("premium")));

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body("auto", ServingProfile.CodePrompt, stream)));
            await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("req-123", Header(response, "x-request-id"));
            Assert.Equal("41", Header(response, "x-ratelimit-remaining-requests"));
            Assert.Equal("17", Header(response, "openai-processing-ms"));
            Assert.Equal("premium", Header(response, "x-routergen-model"));
            Assert.DoesNotContain(ProxyUnderTest.UpstreamKeyOf("premium"), Header(response, "x-echo"), StringComparison.Ordinal);
        }

        [Fact]
        public async Task EveryUpstreamRateLimitedIsA429WithTheSoonestRetryAfter()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(config => config.MaxAttempts = 2);
            proxy.Upstream.FailWith("premium-v1", 429, "30");
            proxy.Upstream.FailWith("mid-v1", 429, "7");

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body("auto", ServingProfile.CodePrompt)));
            ClientResultException sdkError = await Assert.ThrowsAsync<ClientResultException>(() => Sdk(proxy, "auto").CompleteChatAsync([new UserChatMessage(ServingProfile.CodePrompt)]));

            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
            (string code, string message) = await ErrorOf(response);
            Assert.Equal("rate_limit_exceeded", code);
            Assert.Contains("premium (HTTP 429), mid (HTTP 429)", message, StringComparison.Ordinal);
            Assert.Equal(429, sdkError.Status);
        }

        [Fact]
        public async Task RateLimitedThenFailedIsStillA502BecauseNotEveryModelWasRateLimited()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(config => config.MaxAttempts = 2);
            proxy.Upstream.FailWith("premium-v1", 429, "30");
            proxy.Upstream.FailWith("mid-v1", 500);

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body("auto", ServingProfile.CodePrompt)));

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Null(response.Headers.RetryAfter);
            Assert.Equal("upstream_unavailable", (await ErrorOf(response)).Code);
        }

        [Fact]
        public async Task RateLimitedModelFallsBackToTheNextWhenItCanTakeTheRequest()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(config => config.MaxAttempts = 2);
            proxy.Upstream.FailWith("premium-v1", 429, "30");

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body("auto", ServingProfile.CodePrompt)));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["premium-v1", "mid-v1"], proxy.Upstream.Received.Select(r => r.Model));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("wrong-key")]
        [InlineData("client-key-012345678")]
        public async Task MissingOrWrongClientKeyIs401(string? key)
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(requireClientKey: true);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(Body("auto", "hello")) };
            if (key is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }

            using HttpResponseMessage response = await proxy.Http.SendAsync(request);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("invalid_api_key", (await ErrorOf(response)).Code);
            Assert.Empty(proxy.Upstream.Received);
        }

        [Fact]
        public async Task SdkSurfacesTheAuthFailure()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(requireClientKey: true);

            ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => Sdk(proxy, "auto", "not-the-key").CompleteChatAsync([new UserChatMessage("hello")]));
            using HttpResponseMessage models = await proxy.Http.GetAsync("/v1/models");

            Assert.Equal(401, error.Status);
            Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);
        }

        [Fact]
        public async Task OversizedBodyIs413WithOrWithoutContentLength()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(config => config.MaxRequestBodyBytes = 4096);
            string big = Body("auto", new string('x', 10_000));

            // Expect: 100-continue lets the proxy refuse a declared oversized body before it is sent (the HTTP way to avoid
            // a reset connection when a server answers without reading the body).
            using var declaredRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(big) };
            declaredRequest.Headers.ExpectContinue = true;
            using HttpResponseMessage declared = await proxy.Http.SendAsync(declaredRequest);
            using var chunked = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StreamContent(new System.IO.MemoryStream(Encoding.UTF8.GetBytes(big))) };
            chunked.Headers.TransferEncodingChunked = true;
            using HttpResponseMessage streamed = await proxy.Http.SendAsync(chunked);

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
            Assert.Equal("request_too_large", (await ErrorOf(declared)).Code);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
            Assert.Equal("request_too_large", (await ErrorOf(streamed)).Code);
            Assert.Empty(proxy.Upstream.Received);
        }

        [Theory]
        [InlineData("{\"model\": \"auto\", \"messages\": [", "invalid_json", null)]
        [InlineData("[1, 2]", "invalid_json", null)]
        [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", "missing_required_parameter", "model")]
        [InlineData("{\"model\": \"auto\"}", "missing_required_parameter", "messages")]
        [InlineData("{\"model\": \"auto\", \"messages\": []}", "missing_required_parameter", "messages")]
        public async Task BadRequestsAre400InOpenAIShape(string body, string code, string? param)
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Json(body));
            using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(code, json.RootElement.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal(param, json.RootElement.GetProperty("error").GetProperty("param").GetString());
            Assert.Empty(proxy.Upstream.Received);
        }

        [Fact]
        public async Task UnknownPresetIs400NamingThePresets()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => Sdk(proxy, "auto:turbo").CompleteChatAsync([new UserChatMessage("hello")]));
            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body("auto:turbo", "hello")));
            (string code, string message) = await ErrorOf(response);

            Assert.Equal(400, error.Status);
            Assert.Equal("unknown_preset", code);
            Assert.Contains("max-quality, balanced, cheapest", message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task UnknownModelIs404()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body("gpt-9", "hello")));

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("model_not_found", (await ErrorOf(response)).Code);
        }

        [Fact]
        public async Task CostCapExcludesModelsWhoseExpectedCostIsOverBudget()
        {
            // premium costs $0.02 per code request: over a $0.015 cap, so max quality falls to mid ($0.004).
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(config => config.MaxCostPerRequestUsd = 0.015);

            using HttpResponseMessage code = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body("auto", ServingProfile.CodePrompt)));
            using HttpResponseMessage chat = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body("auto", ServingProfile.ChatPrompt)));

            Assert.Equal("mid", Header(code, "x-routergen-model"));
            Assert.Equal("premium", Header(chat, "x-routergen-model"));
        }

        [Fact]
        public async Task CostCapAlsoBindsFallbacks()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(config => config.MaxCostPerRequestUsd = 0.015);
            proxy.Upstream.FailWith("mid-v1", 500);

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body("auto", ServingProfile.CodePrompt)));

            Assert.Equal("cheap", Header(response, "x-routergen-model"));
            Assert.DoesNotContain(proxy.Upstream.Received, r => r.Model == "premium-v1");
        }

        // The code prompt for `model` with one routing header.
        private static async Task<HttpResponseMessage> SendWithHeader(ProxyUnderTest proxy, string model, string header, string value)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(Body(model, ServingProfile.CodePrompt)) };
            request.Headers.Add(header, value);
            return await proxy.Http.SendAsync(request);
        }

        [Fact]
        public async Task ClientCanLowerTheCostCapButNotRaiseIt()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(config => config.MaxCostPerRequestUsd = 0.015);

            Task<HttpResponseMessage> Send(string cap, string model = "auto") => SendWithHeader(proxy, model, "x-routergen-max-cost-usd", cap);

            using HttpResponseMessage lowered = await Send("0.002");
            using HttpResponseMessage raised = await Send("5");
            using HttpResponseMessage impossible = await Send("0.0001");
            using HttpResponseMessage invalid = await Send("lots");
            using HttpResponseMessage pinnedPremium = await Send("0.01", "premium");

            Assert.Equal("cheap", Header(lowered, "x-routergen-model"));
            Assert.Equal("mid", Header(raised, "x-routergen-model"));
            Assert.Equal(HttpStatusCode.BadRequest, impossible.StatusCode);
            Assert.Equal("cost_cap_exceeded", (await ErrorOf(impossible)).Code);
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, pinnedPremium.StatusCode);
            Assert.Equal("cost_cap_exceeded", (await ErrorOf(pinnedPremium)).Code);
        }

        [Fact]
        public async Task TopClustersHeaderBlendsTheNearestClustersAndIsValidated()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            Task<HttpResponseMessage> Send(string top) => SendWithHeader(proxy, "auto:max-quality", "x-routergen-top-clusters", top);

            using HttpResponseMessage blended = await Send("2");
            using HttpResponseMessage tooMany = await Send("3");
            using HttpResponseMessage zero = await Send("0");
            using HttpResponseMessage text = await Send("two");

            Assert.Equal(HttpStatusCode.OK, blended.StatusCode);
            Assert.Equal("premium", Header(blended, "x-routergen-model"));
            Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
            (string code, string message) = await ErrorOf(tooMany);
            Assert.Equal("invalid_top_clusters", code);
            Assert.Contains("x-routergen-top-clusters", message, StringComparison.Ordinal);
            Assert.Contains("1 to 2", message, StringComparison.Ordinal);
            Assert.Equal("invalid_top_clusters", (await ErrorOf(zero)).Code);
            Assert.Equal(HttpStatusCode.BadRequest, text.StatusCode);
            Assert.Equal("invalid_header", (await ErrorOf(text)).Code);
        }

        [Fact]
        public async Task ModelsHealthAndMetricsEndpoints()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();
            using (HttpResponseMessage _ = await proxy.Http.PostAsync("/v1/chat/completions", Json(Body("auto", ServingProfile.ChatPrompt))))
            {
            }

            using JsonDocument models = JsonDocument.Parse(await proxy.Http.GetStringAsync("/v1/models"));
            using JsonDocument health = JsonDocument.Parse(await proxy.Http.GetStringAsync("/healthz"));
            using HttpResponseMessage metrics = await proxy.Http.GetAsync("/metrics");
            string text = await metrics.Content.ReadAsStringAsync();

            Assert.Equal(
                ["auto", "auto:max-quality", "auto:balanced", "auto:cheapest", "cheap", "mid", "other", "premium"],
                models.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
            Assert.Equal("ok", health.RootElement.GetProperty("status").GetString());
            // The Prometheus text format as OpenTelemetry's exporter writes it: dots become underscores, counters end in
            // _total, histograms in _seconds_bucket/_sum/_count, every sample carries its meter as otel_scope_name.
            PrometheusScrape scrape = PrometheusScrape.Parse(text);
            Assert.Equal("text/plain", metrics.Content.Headers.ContentType!.MediaType);
            Assert.Contains("# TYPE routergen_proxy_requests_total counter\n", text, StringComparison.Ordinal);
            Assert.Contains("# TYPE routergen_proxy_request_duration_seconds histogram\n", text, StringComparison.Ordinal);
            Assert.Equal(1, scrape.Sum("routergen_proxy_requests_total", ("routergen_route", "auto"), ("http_response_status_code", "200"), ("otel_scope_name", "RouterGen.Proxy")));
            Assert.Equal(1, scrape.Sum("routergen_decisions_total", ("routergen_model", "premium"), ("routergen_reason", "routed"), ("otel_scope_name", "RouterGen")));
            Assert.Equal(1, scrape.Sum("routergen_decision_duration_seconds_count"));
            Assert.Equal(1, scrape.Sum("routergen_proxy_request_duration_seconds_bucket", ("routergen_route", "auto"), ("le", "+Inf")));
            Assert.Equal(1, scrape.Sum("routergen_proxy_request_duration_seconds_bucket", ("routergen_route", "auto"), ("le", "120")));
            Assert.Equal(1, scrape.Sum("routergen_proxy_upstream_duration_seconds_count", ("routergen_model", "premium")));
            Assert.Equal(1, scrape.Sum("routergen_request_duration_seconds_count", ("routergen_model", "premium"), ("routergen_outcome", "answered")));
            Assert.Contains(scrape.Samples, s => s.Name.StartsWith("dotnet_gc_", StringComparison.Ordinal));
        }

        [Fact]
        public async Task RoutesOnTheLastUserMessageIncludingMultiPartContent()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(config => config.DefaultPreset = "balanced");
            string body = JsonSerializer.Serialize(new
            {
                model = "auto",
                messages = new object[]
                {
                    new { role = "system", content = ServingProfile.CodePrompt },
                    new { role = "user", content = ServingProfile.CodePrompt },
                    new { role = "assistant", content = "done" },
                    new { role = "user", content = new object[] { new { type = "text", text = ServingProfile.ChatPrompt } } },
                },
            });

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Json(body));

            Assert.Equal("1", Header(response, "x-routergen-cluster"));
            Assert.Equal("cheap", Header(response, "x-routergen-model"));
        }
    }
}
