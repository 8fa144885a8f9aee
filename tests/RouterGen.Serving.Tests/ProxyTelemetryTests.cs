using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using RouterGen.Profiles;
using RouterGen.Proxy;
using Xunit;

namespace RouterGen.Serving.Tests
{
    /// <summary>
    /// The proxy's meters as OpenTelemetry exports them: tokens and spend from the usage the upstream reports (buffered
    /// and streamed), time to first token for streams, captured in process and scraped from /metrics.
    /// </summary>
    public sealed class ProxyTelemetryTests
    {
        // premium: $3 per million prompt tokens, $15 per million completion tokens.
        private static void PricePremium(ProxyConfig config)
        {
            config.Models["premium"].InputPricePerMTok = 3;
            config.Models["premium"].OutputPricePerMTok = 15;
        }

        private static StringContent Body(string model, bool stream) => new(
            JsonSerializer.Serialize(new { model, stream, messages = new[] { new { role = "user", content = ServingProfile.CodePrompt } } }), Encoding.UTF8, "application/json");

        [Fact]
        public async Task ABufferedAnswersUsageBecomesTokensAndSpend()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(PricePremium);
            using var capture = new MeterCapture(proxy.Services.GetRequiredService<IMeterFactory>());

            // The fake upstream reports 5 prompt and 3 completion tokens on every buffered answer.
            using (HttpResponseMessage routed = await proxy.Http.PostAsync("/v1/chat/completions", Body("auto", stream: false)))
            using (HttpResponseMessage passedThrough = await proxy.Http.PostAsync("/v1/chat/completions", Body("other", stream: false)))
            {
                Assert.True(routed.IsSuccessStatusCode);
                Assert.True(passedThrough.IsSuccessStatusCode);
            }

            PrometheusScrape scrape = await PrometheusScrape.FetchAsync(proxy.Http);

            Assert.Equal(5, capture.Sum("routergen.tokens", ("routergen.model", "premium"), ("routergen.token.type", "input")));
            Assert.Equal(3, capture.Sum("routergen.tokens", ("routergen.model", "premium"), ("routergen.token.type", "output")));
            Assert.Equal(8, capture.Sum("routergen.tokens", ("routergen.model", "other")));
            Assert.Equal(((5 * 3.0) + (3 * 15.0)) / 1e6, capture.Sum("routergen.spend", ("routergen.model", "premium")), 12);
            Assert.Empty(capture.Of("routergen.spend", ("routergen.model", "other")));
            Assert.Empty(capture.Of("routergen.time_to_first_token"));
            Assert.Equal(5, scrape.Sum("routergen_tokens_total", ("routergen_model", "premium"), ("routergen_token_type", "input")));
            Assert.Equal(3, scrape.Sum("routergen_tokens_total", ("routergen_model", "other"), ("routergen_token_type", "output")));
            Assert.Equal(((5 * 3.0) + (3 * 15.0)) / 1e6, scrape.Matching("routergen_spend_USD_total", ("routergen_model", "premium")).Single().Value, 12);
        }

        [Fact]
        public async Task AStreamsUsageChunkAndFirstChunkBecomeTokensSpendAndTimeToFirstToken()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(PricePremium);
            using var capture = new MeterCapture(proxy.Services.GetRequiredService<IMeterFactory>());

            // As OpenAI streams with stream_options.include_usage: a last chunk with empty choices and the usage, here cut
            // across two network chunks in the middle of the usage object.
            proxy.Upstream.ReplyWith(
                "premium-v1",
                200,
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n",
                "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"compl",
                "etion_tokens\":7,\"total_tokens\":18}}\n\ndata: [DONE]\n\n");
            using (HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Body("auto", stream: true)))
            {
                Assert.Contains("[DONE]", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            PrometheusScrape scrape = await PrometheusScrape.FetchAsync(proxy.Http);

            Assert.Equal(11, capture.Sum("routergen.tokens", ("routergen.model", "premium"), ("routergen.token.type", "input")));
            Assert.Equal(7, capture.Sum("routergen.tokens", ("routergen.model", "premium"), ("routergen.token.type", "output")));
            Assert.Equal(((11 * 3.0) + (7 * 15.0)) / 1e6, capture.Sum("routergen.spend", ("routergen.model", "premium")), 12);
            MeterCapture.Measurement firstToken = Assert.Single(capture.Of("routergen.time_to_first_token", ("routergen.model", "premium")));
            Assert.True(firstToken.Value > 0);
            Assert.Equal(1, scrape.Sum("routergen_time_to_first_token_seconds_count", ("routergen_model", "premium")));
        }

        [Fact]
        public async Task AStreamWithoutUsageCountsNoTokens()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(PricePremium);
            using var capture = new MeterCapture(proxy.Services.GetRequiredService<IMeterFactory>());

            using (HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Body("auto", stream: true)))
            {
                Assert.Contains("[DONE]", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            Assert.Empty(capture.Of("routergen.tokens"));
            Assert.Empty(capture.Of("routergen.spend"));
            Assert.Single(capture.Of("routergen.time_to_first_token"));
        }

        [Fact]
        public void PricesComeFromTheConfigurationElseFromTheRuntimeLoadedProfile()
        {
            string directory = Path.Combine(Path.GetTempPath(), "routergen-prices-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            try
            {
                ProfileDefinition profile = ServingProfile.Create();
                foreach (ModelDefinition model in profile.Models)
                {
                    model.InputPricePerMTok = 1;
                    model.OutputPricePerMTok = 2;
                }

                ProfileWriter.Save(profile, Path.Combine(directory, "priced.router.json"));
                var config = new ProxyConfig
                {
                    Profile = "priced.router.json",
                    Models = new Dictionary<string, UpstreamConfig>
                    {
                        ["cheap"] = new() { BaseUrl = "http://127.0.0.1:1/v1" },
                        ["premium"] = new() { BaseUrl = "http://127.0.0.1:1/v1", InputPricePerMTok = 3, OutputPricePerMTok = 15 },
                    },
                };
                ProxySettings settings = ProxySettings.FromConfig(config, directory, _ => null);

                Assert.Equal(new ModelPrice(3, 15), settings.PriceOf("premium"));
                Assert.Null(settings.PriceOf("cheap"));
                settings.LoadRouter();
                Assert.Equal(new ModelPrice(1, 2), settings.PriceOf("cheap"));
                Assert.Equal(new ModelPrice(3, 15), settings.PriceOf("premium"));
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        [Fact]
        public void APriceWithoutItsPairIsRefusedNamingTheField()
        {
            var config = new ProxyConfig
            {
                Models = new Dictionary<string, UpstreamConfig> { ["premium"] = new() { BaseUrl = "http://127.0.0.1:1/v1", InputPricePerMTok = 3 } },
            };

            ProxyConfigException error = Assert.Throws<ProxyConfigException>(() => ProxySettings.FromConfig(config, ".", _ => null));

            Assert.Contains("models.premium.outputPricePerMTok: give both inputPricePerMTok and outputPricePerMTok", error.Message, StringComparison.Ordinal);
        }
    }
}
