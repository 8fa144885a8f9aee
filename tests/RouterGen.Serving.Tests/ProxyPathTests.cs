using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Tasks;
using OpenAI;
using OpenAI.Models;
using Xunit;

namespace RouterGen.Serving.Tests
{
    /// <summary>
    /// The proxy's paths as an OpenAI client meets them: a model can be fetched by id, and an unknown path or a wrong
    /// method gets OpenAI's error shape rather than an empty body.
    /// </summary>
    public sealed class ProxyPathTests
    {
        private static OpenAIModelClient Models(ProxyUnderTest proxy, string key = ProxyUnderTest.ClientKey) =>
            new(new ApiKeyCredential(key), new OpenAIClientOptions
            {
                Endpoint = new Uri(proxy.BaseUrl, "/v1"),
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            });

        [Theory]
        [InlineData("auto")]
        [InlineData("auto:balanced")]
        [InlineData("premium")]
        public async Task ListedModelCanBeFetchedByIdWithTheOpenAISdk(string id)
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            ClientResult<OpenAIModel> model = await Models(proxy).GetModelAsync(id);

            Assert.Equal(id, model.Value.Id);
            Assert.Equal("routergen", model.Value.OwnedBy);
        }

        [Fact]
        public async Task UnknownModelIdIs404ModelNotFound()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => Models(proxy).GetModelAsync("no-such-model"));
            using HttpResponseMessage raw = await proxy.Http.GetAsync("/v1/models/no-such-model");
            using JsonDocument body = JsonDocument.Parse(await raw.Content.ReadAsStringAsync());

            Assert.Equal(404, error.Status);
            Assert.Equal("model_not_found", body.RootElement.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal("model", body.RootElement.GetProperty("error").GetProperty("param").GetString());
            Assert.Contains("no-such-model", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        [Fact]
        public async Task ModelByIdNeedsTheClientKeyWhenKeysAreConfigured()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync(requireClientKey: true);

            using HttpResponseMessage withoutKey = await proxy.Http.GetAsync("/v1/models/premium");
            using var withKey = new HttpRequestMessage(HttpMethod.Get, "/v1/models/premium");
            withKey.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ProxyUnderTest.ClientKey);
            using HttpResponseMessage allowed = await proxy.Http.SendAsync(withKey);

            Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        [Theory]
        [InlineData("POST", "/v1/responses", 404, "unknown_url")]
        [InlineData("GET", "/v1/nothing-here", 404, "unknown_url")]
        [InlineData("GET", "/v1/chat/completions", 405, "method_not_allowed")]
        [InlineData("DELETE", "/v1/models", 405, "method_not_allowed")]
        public async Task UnknownPathsAndWrongMethodsGetOpenAIShapedErrors(string method, string path, int status, string code)
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "GET" ? null : new StringContent("{}") };
            using HttpResponseMessage response = await proxy.Http.SendAsync(request);
            using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            JsonElement error = body.RootElement.GetProperty("error");

            Assert.Equal(status, (int)response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal(code, error.GetProperty("code").GetString());
            Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
            Assert.Contains(path, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }
}
