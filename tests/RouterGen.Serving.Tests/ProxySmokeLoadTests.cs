using System;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace RouterGen.Serving.Tests
{
    /// <summary>
    /// A small version of tests/RouterGen.LoadTest: many concurrent requests through the proxy, every one answered. No
    /// timing is asserted (timings belong in docs/benchmarks.md); the full 20,000-request run is a separate tool.
    /// </summary>
    public sealed class ProxySmokeLoadTests
    {
        [Fact]
        public async Task ConcurrentRequestsAllSucceedAndAreCounted()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();
            proxy.Upstream.Record = false;
            const int Requests = 400;
            string[] prompts = [ServingProfile.CodePrompt, ServingProfile.ChatPrompt];

            HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(i =>
            {
                string body = JsonSerializer.Serialize(new { model = i % 4 == 1 ? "auto:balanced" : "auto", messages = new[] { new { role = "user", content = prompts[i % 2] + " #" + i } } });
                return proxy.Http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
            }));
            PrometheusScrape metrics = await PrometheusScrape.FetchAsync(proxy.Http);

            Assert.All(responses, r => Assert.True(r.IsSuccessStatusCode, r.StatusCode.ToString()));
            int premium = responses.Count(r => r.Headers.GetValues("x-routergen-model").Single() == "premium");
            int cheap = responses.Count(r => r.Headers.GetValues("x-routergen-model").Single() == "cheap");

            // Odd requests carry the chat prompt; those with i % 4 == 1 use "balanced", which sends chat to cheap. The rest
            // (code prompts, and chat under max quality) go to premium.
            Assert.Equal(Requests / 4, cheap);
            Assert.Equal(Requests - (Requests / 4), premium);
            Assert.Equal(Requests, metrics.Sum("routergen_proxy_requests_total", ("routergen_route", "auto"), ("http_response_status_code", "200")));
            foreach (HttpResponseMessage response in responses)
            {
                response.Dispose();
            }
        }
    }
}
