using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using RouterGen.Profiles;
using Xunit;

namespace RouterGen.Serving.Tests
{
    /// <summary>Liveness and readiness, and hot reload of a runtime-loaded profile, on a real proxy on loopback.</summary>
    public sealed class ProxyHealthAndReloadTests
    {
        // Bounded waits for the file watcher: polls, not a timing threshold (a slow machine just polls longer).
        private const int Polls = 400;
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

        private static StringContent Body(string model, string prompt) => new(
            JsonSerializer.Serialize(new { model, messages = new[] { new { role = "user", content = prompt } } }), Encoding.UTF8, "application/json");

        private static async Task<string> ServedModelAsync(ProxyUnderTest proxy, string prompt)
        {
            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Body("auto", prompt));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return response.Headers.GetValues("x-routergen-model").Single();
        }

        private static async Task<(HttpStatusCode Status, JsonElement Report)> ReadinessAsync(ProxyUnderTest proxy)
        {
            using HttpResponseMessage response = await proxy.Http.GetAsync("/health/ready");
            using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return (response.StatusCode, json.RootElement.Clone());
        }

        // The serving profile with the chat cluster's quality reversed: cheap is now best there at maximum quality.
        private static ProfileDefinition ChatGoesToCheap()
        {
            ProfileDefinition profile = ServingProfile.Create();
            profile.Clusters.Single(c => c.Label == "chat").Quality = [0.95, 0.60, 0.50];
            return profile;
        }

        [Fact]
        public async Task LivenessAndReadinessAnswerInTheHealthJsonShape()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            using HttpResponseMessage live = await proxy.Http.GetAsync("/health/live");
            using JsonDocument liveJson = JsonDocument.Parse(await live.Content.ReadAsStringAsync());
            (HttpStatusCode readyStatus, JsonElement ready) = await ReadinessAsync(proxy);

            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal("application/json", live.Content.Headers.ContentType!.MediaType);
            Assert.Equal("Healthy", liveJson.RootElement.GetProperty("status").GetString());
            Assert.Empty(liveJson.RootElement.GetProperty("entries").EnumerateObject());
            Assert.Equal(HttpStatusCode.OK, readyStatus);
            Assert.Equal("Healthy", ready.GetProperty("status").GetString());
            JsonElement router = ready.GetProperty("entries").GetProperty("router");
            Assert.Equal("Healthy", router.GetProperty("status").GetString());
            Assert.Equal(["ready"], router.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            JsonElement data = router.GetProperty("data");
            Assert.Equal("ServingTestRouter", data.GetProperty("router").GetString());
            Assert.Equal(3, data.GetProperty("modelsWithUpstream").GetInt32());
            Assert.Equal(1, data.GetProperty("generation").GetInt32());
            Assert.False(data.GetProperty("hotReload").GetBoolean());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(proxy.ProfilePath))), data.GetProperty("profileSha256").GetString());
        }

        [Fact]
        public async Task ANewProfileIsServedABrokenOneKeepsTheOldRouterAndRequestsUnderWayFinish()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(hotReload: true);
            Assert.Equal("premium", await ServedModelAsync(proxy, ServingProfile.ChatPrompt));

            // A request under way while the profile changes: pinned to mid, whose upstream answers slowly.
            proxy.Upstream.Delay("mid-v1", TimeSpan.FromSeconds(1));
            Task<HttpResponseMessage> underWay = proxy.Http.PostAsync("/v1/chat/completions", Body("mid", ServingProfile.ChatPrompt));
            for (int poll = 0; poll < Polls && !proxy.Upstream.Received.Any(r => r.Model == "mid-v1"); poll++)
            {
                await Task.Delay(PollInterval);
            }

            ProfileWriter.Save(ChatGoesToCheap(), proxy.ProfilePath);
            string served = "premium";
            for (int poll = 0; poll < Polls && served == "premium"; poll++)
            {
                await Task.Delay(PollInterval);
                served = await ServedModelAsync(proxy, ServingProfile.ChatPrompt);
            }

            Assert.Equal("cheap", served);
            (_, JsonElement reloaded) = await ReadinessAsync(proxy);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(proxy.ProfilePath))), reloaded.GetProperty("entries").GetProperty("router").GetProperty("data").GetProperty("profileSha256").GetString());
            using (HttpResponseMessage finished = await underWay)
            {
                Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
                Assert.Contains("answer from mid-v1", await finished.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            // A broken profile (a quality above 1) is refused: the router that serves chat on cheap stays.
            ProfileDefinition broken = ChatGoesToCheap();
            broken.Clusters[0].Quality = [1.5, 0.7, 0.9];
            File.WriteAllText(proxy.ProfilePath, ProfileWriter.ToJson(broken));
            (HttpStatusCode status, JsonElement report) = (HttpStatusCode.OK, default);
            for (int poll = 0; poll < Polls && (report.ValueKind == JsonValueKind.Undefined || report.GetProperty("status").GetString() != "Degraded"); poll++)
            {
                await Task.Delay(PollInterval);
                (status, report) = await ReadinessAsync(proxy);
            }

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("Degraded", report.GetProperty("status").GetString());
            string error = report.GetProperty("entries").GetProperty("router").GetProperty("data").GetProperty("lastReloadError").GetString()!;
            Assert.Contains(proxy.ProfilePath, error, StringComparison.Ordinal);
            Assert.Contains("quality", error, StringComparison.Ordinal);
            Assert.Equal("cheap", await ServedModelAsync(proxy, ServingProfile.ChatPrompt));
            Assert.Contains(proxy.Log, entry => entry.StartsWith("Warning", StringComparison.Ordinal) && entry.Contains("was not reloaded", StringComparison.Ordinal) && entry.Contains(proxy.ProfilePath, StringComparison.Ordinal));
            PrometheusScrape metrics = await PrometheusScrape.FetchAsync(proxy.Http);
            Assert.True(metrics.Sum("routergen_proxy_profile_reloads_total", ("routergen_outcome", "succeeded")) >= 1);
            Assert.True(metrics.Sum("routergen_proxy_profile_reloads_total", ("routergen_outcome", "failed")) >= 1);
            Assert.Single(metrics.Matching("routergen_proxy_profile", ("routergen_router", "ServingTestRouter")));
        }
    }
}
