using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using RouterGen.Fuzzing;
using Xunit;
using Xunit.Abstractions;

namespace RouterGen.Serving.Tests
{
    /// <summary>
    /// Hostile requests against the proxy on loopback (client keys required): seeded mutations of valid bodies (invalid
    /// JSON, wrong types, huge and deep values, bad UTF-8, duplicate keys) and header abuse (keys, cost caps, content
    /// types). Every answer must be a success or an OpenAI-shaped error; never a 500, never an empty error body (a 502
    /// only as an OpenAI-shaped upstream_error); no stack
    /// trace in the log; and the proxy must still answer a valid request at the end. The default run is bounded for the
    /// suite (1,500 requests, a few seconds here); ROUTERGEN_FUZZ_REQUESTS=&lt;count&gt; runs more, ROUTERGEN_FUZZ_SEED
    /// changes the seed.
    /// </summary>
    public sealed class RequestFuzzTests(ITestOutputHelper output)
    {
        private const int DefaultRequests = 1500;

        private static readonly string[] Seeds =
        [
            Body("auto", ServingProfile.CodePrompt),
            Body("auto:balanced", ServingProfile.ChatPrompt),
            Body("other", "hello"),
            Body("auto", ServingProfile.ChatPrompt, stream: true),
            "{\"model\":\"auto:cheapest\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"" + ServingProfile.CodePrompt + "\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:,x\"}}]}],\"temperature\":0.2,\"max_tokens\":5}",
        ];

        private static readonly string[] KeyInsertions =
        [
            "\"model\":\"auto\",", "\"model\":5,", "\"messages\":[],", "\"messages\":{},", "\"role\":7,", "\"role\":\"user\",", "\"type\":null,",
            "\"content\":[{}],", "\"stream\":\"yes\",", "\"stream\":true,", "\"\\ud800\":1,", "\"model\":\"auto:nope\",", "\"model\":\"\\udfff\",",
        ];

        private static readonly string[] OddKeys = ["Bearer", "Basic " + ProxyUnderTest.ClientKey, "bearer  " + ProxyUnderTest.ClientKey + " ", "Bearer " + ProxyUnderTest.ClientKey + "x", "Bearer ,"];
        private static readonly string[] CostCaps = ["NaN", "-1", "0", "1e400", "abc", "", "0.0000001", "1e-320", "Infinity", "5"];
        private static readonly string[] ContentTypes = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"];
        private static readonly string[] RepeatedCostCap = ["1", "2"];

        private static string Body(string model, string prompt, bool stream = false) =>
            JsonSerializer.Serialize(new { model, stream, messages = new[] { new { role = "user", content = prompt } } });

        // Header values a client can send: wrong, empty, long or odd keys and cost caps; odd content types.
        private static void AbuseHeaders(HttpRequestMessage request, Random random, List<string> applied)
        {
            switch (random.Next(10))
            {
                case 0:
                    request.Headers.Remove("Authorization");
                    applied.Add("no-key");
                    break;
                case 1:
                    request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + new string('k', random.Next(8000)));
                    applied.Add("long-key");
                    break;
                case 2:
                    request.Headers.Remove("Authorization");
                    request.Headers.TryAddWithoutValidation("Authorization", OddKeys[random.Next(OddKeys.Length)]);
                    applied.Add("odd-key");
                    break;
                case 3:
                    request.Headers.TryAddWithoutValidation("x-routergen-max-cost-usd", CostCaps[random.Next(CostCaps.Length)]);
                    applied.Add("cost-cap");
                    break;
                case 4:
                    request.Content!.Headers.ContentType = new MediaTypeHeaderValue(ContentTypes[random.Next(ContentTypes.Length)]);
                    applied.Add("content-type");
                    break;
                case 5:
                    request.Headers.TryAddWithoutValidation("x-routergen-max-cost-usd", RepeatedCostCap);
                    applied.Add("repeated-header");
                    break;
            }
        }

        [Fact]
        public async Task HostileRequestsGetSuccessOrAnOpenAIShapedErrorAndTheProxyStaysUp()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(requireClientKey: true);
            proxy.Upstream.Record = false;
            int seed = FuzzRun.Seed(11);
            int requests = FuzzRun.Count("ROUTERGEN_FUZZ_REQUESTS", DefaultRequests);
            var mutator = new JsonMutator(seed, KeyInsertions);
            var statuses = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var failures = new List<string>();
            for (int i = 0; i < requests; i++)
            {
                byte[] seedBody = Encoding.UTF8.GetBytes(Seeds[mutator.Random.Next(Seeds.Length)]);
                bool mutateBody = mutator.Random.Next(10) < 8;
                (byte[] body, string mutations) = mutateBody ? mutator.Mutate(seedBody) : (seedBody, "none");
                if (mutator.Random.Next(50) == 0)
                {
                    // Past the 1 MiB body limit: a 413 in OpenAI's shape.
                    body = Encoding.UTF8.GetBytes(Body("auto", new string('x', 1_200_000)));
                    mutations = "over-limit";
                }

                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + ProxyUnderTest.ClientKey);
                var headers = new List<string>();
                if (!mutateBody || mutator.Random.Next(4) == 0)
                {
                    AbuseHeaders(request, mutator.Random, headers);
                }

                string name = $"seed {seed} request {i} (body: {mutations}; headers: {string.Join("+", headers)})";
                using HttpResponseMessage response = await proxy.Http.SendAsync(request);
                string text = await response.Content.ReadAsStringAsync();
                int status = (int)response.StatusCode;
                statuses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = statuses.GetValueOrDefault(status.ToString(System.Globalization.CultureInfo.InvariantCulture)) + 1;
                if (Problem(status, text, response.Content.Headers.ContentType?.MediaType) is { } problem)
                {
                    failures.Add($"{name}: {problem}");
                }
            }

            using HttpRequestMessage last = new(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(Seeds[0], Encoding.UTF8, "application/json") };
            last.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ProxyUnderTest.ClientKey);
            using HttpResponseMessage alive = await proxy.Http.SendAsync(last);
            string[] stackTraces = proxy.Log.Where(entry => entry.Contains("   at ", StringComparison.Ordinal)).ToArray();

            output.WriteLine($"request fuzzer, seed {seed}: {requests} requests; statuses {string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}"))}; {failures.Count} failures; {stackTraces.Length} log entries with a stack trace.");
            Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
            Assert.Empty(stackTraces);
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
            Assert.True(statuses.Count > 2, "the requests reach several outcomes");
        }

        // Null when the answer is well-formed: a success with a body, or an error in OpenAI's shape (never a 500).
        private static string? Problem(int status, string body, string? mediaType)
        {
            // A 500 is the proxy failing; a 502 (every upstream failed: the fake upstream refuses some bodies the proxy
            // forwards as sent, as a real one would) must still be in OpenAI's shape, checked below.
            if (status == 500 || (status > 500 && !body.Contains("\"upstream_error\"", StringComparison.Ordinal)))
            {
                return $"status {status}: {Shorten(body)}";
            }

            if (status is >= 200 and < 300)
            {
                return body.Length == 0 ? "an empty success body" : null;
            }

            try
            {
                using JsonDocument json = JsonDocument.Parse(body);
                JsonElement error = json.RootElement.GetProperty("error");
                return error.GetProperty("message").ValueKind == JsonValueKind.String && error.GetProperty("type").ValueKind == JsonValueKind.String && mediaType == "application/json"
                    ? null
                    : $"status {status}: error without a string message and type: {Shorten(body)}";
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return $"status {status}: not an OpenAI error body ({e.GetType().Name}): {Shorten(body)}";
            }
        }

        private static string Shorten(string text) => text.Length > 300 ? text[..300] + "…" : text;
    }
}
