using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace RouterGen.Serving.Tests
{
    /// <summary>The proxy on the shared request plan: the model-name grammar and the defaults the chat client uses.</summary>
    public sealed class ProxyRequestPlanTests
    {
        private static StringContent Body(string model, string prompt) =>
            new(JsonSerializer.Serialize(new { model, messages = new[] { new { role = "user", content = prompt } } }), Encoding.UTF8, "application/json");

        private static string Header(HttpResponseMessage response, string name) => string.Join(",", response.Headers.GetValues(name));

        [Theory]
        [InlineData("auto:cost-weighted:0", "premium", "auto:cost-weighted:0")]
        [InlineData("auto:cost-weighted:1", "cheap", "auto:cost-weighted:1")]
        [InlineData("auto:shortfall:1", "cheap", "auto:shortfall:1")]
        public async Task KnobInTheModelNameDecidesAndIsReportedAsThePreset(string model, string expectedModel, string reported)
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Body(model, ServingProfile.CodePrompt));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(expectedModel, Header(response, "x-routergen-model"));
            Assert.Equal(reported, Header(response, "x-routergen-preset"));
        }

        [Theory]
        [InlineData("auto:fastest:0.3", "invalid_knob")]
        [InlineData("auto:cost-weighted:2", "invalid_knob")]
        [InlineData("auto:turbo", "unknown_preset")]
        public async Task MalformedModelNamesAreOpenAIShaped400s(string model, string code)
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Body(model, ServingProfile.CodePrompt));
            using JsonDocument error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(code, error.RootElement.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal("model", error.RootElement.GetProperty("error").GetProperty("param").GetString());
            Assert.Empty(proxy.Upstream.Received);
        }

        [Fact]
        public async Task PlainAutoUsesTheProfilesFirstPresetLikeTheChatClient()
        {
            await using ProxyUnderTest proxy = await ProxyUnderTest.StartAsync();

            using HttpResponseMessage response = await proxy.Http.PostAsync("/v1/chat/completions", Body("auto", ServingProfile.ChatPrompt));

            Assert.Equal(RoutingRequest.DefaultPreset(ServingProfile.CreateRouter().Tables, null), Header(response, "x-routergen-preset"));
        }
    }
}
