using System;
using System.Collections.Generic;
using System.IO;
using RouterGen.Proxy;
using Xunit;

namespace RouterGen.Serving.Tests
{
    public sealed class ProxyConfigTests : IDisposable
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "routergen-proxy-config-" + Guid.NewGuid().ToString("N"));

        public ProxyConfigTests()
        {
            Directory.CreateDirectory(_directory);
        }

        public void Dispose() => Directory.Delete(_directory, recursive: true);

        private string Write(string json)
        {
            string path = Path.Combine(_directory, "proxy.json");
            File.WriteAllText(path, json);
            return path;
        }

        private static readonly Dictionary<string, string> Environment = new() { ["UP_KEY"] = "s3cret-value" };

        private static ProxySettings Load(string path) => ProxySettings.Load(path, name => Environment.GetValueOrDefault(name));

        [Fact]
        public void ValidConfigurationResolvesPathsKeysAndDefaults()
        {
            string path = Write("""
                {
                  // comments are allowed
                  "profile": "profiles/r.router.json",
                  "defaultPreset": "balanced",
                  "maxCostPerRequestUsd": 0.01,
                  "models": {
                    "cheap": { "baseUrl": "https://api.example.com/v1/", "upstreamModel": "cheap-2025", "apiKeyEnv": "UP_KEY", "timeoutSeconds": 5 },
                    "local": { "baseUrl": "http://127.0.0.1:8000/v1" },
                  },
                }
                """);

            ProxySettings settings = Load(path);

            Assert.Equal(Path.Combine(_directory, "profiles", "r.router.json"), settings.ProfilePath);
            Assert.Equal(new Uri("https://api.example.com/v1/chat/completions"), settings.Upstreams["cheap"].Endpoint);
            Assert.Equal("cheap-2025", settings.Upstreams["cheap"].UpstreamModelName);
            Assert.Equal(TimeSpan.FromSeconds(5), settings.Upstreams["cheap"].Timeout);
            Assert.Equal("local", settings.Upstreams["local"].UpstreamModelName);
            Assert.Equal(1024 * 1024, settings.Config.MaxRequestBodyBytes);
            Assert.False(settings.RequiresClientKey);
            Assert.DoesNotContain("s3cret", settings.Upstreams["cheap"].ToString(), StringComparison.Ordinal);
        }

        [Fact]
        public void InvalidBaseUrlNamesFileLineAndField()
        {
            string path = Write("{\n  \"profile\": \"r.json\",\n  \"models\": {\n    \"cheap\": {\n      \"baseUrl\": \"not a url\"\n    }\n  }\n}\n");

            ProxyConfigException error = Assert.Throws<ProxyConfigException>(() => Load(path));

            Assert.StartsWith(path + ":5: models.cheap.baseUrl: must be an absolute http(s) URL", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void MissingKeyVariableIsNamedButNoSecretIsShown()
        {
            string path = Write("{ \"models\": { \"a\": { \"baseUrl\": \"http://x/v1\", \"apiKeyEnv\": \"NOT_SET_ANYWHERE\" } } }");

            ProxyConfigException error = Assert.Throws<ProxyConfigException>(() => Load(path));

            Assert.Contains(":1: models.a.apiKeyEnv: environment variable 'NOT_SET_ANYWHERE' is not set", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void MalformedJsonAndUnknownFieldsNameTheLine()
        {
            string malformed = Write("{\n  \"models\": {\n    \"a\": { \"baseUrl\": \"http://x/v1\" \n  }\n");
            ProxyConfigException syntax = Assert.Throws<ProxyConfigException>(() => Load(malformed));
            string unknown = Write("{\n  \"models\": {},\n  \"maxCost\": 1\n}\n");
            ProxyConfigException field = Assert.Throws<ProxyConfigException>(() => Load(unknown));

            Assert.StartsWith(malformed + ":", syntax.Message, StringComparison.Ordinal);
            Assert.StartsWith(unknown + ":3:", field.Message, StringComparison.Ordinal);
            Assert.Contains("maxCost", field.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void ReservedModelNamesAndBadLimitsAreRejected()
        {
            Assert.Contains("reserved", Assert.Throws<ProxyConfigException>(() => Load(Write("{ \"models\": { \"auto\": { \"baseUrl\": \"http://x/v1\" } } }"))).Message, StringComparison.Ordinal);
            Assert.Contains("maxAttempts", Assert.Throws<ProxyConfigException>(() => Load(Write("{ \"maxAttempts\": 0, \"models\": { \"a\": { \"baseUrl\": \"http://x/v1\" } } }"))).Message, StringComparison.Ordinal);
            Assert.Contains("at least one upstream", Assert.Throws<ProxyConfigException>(() => Load(Write("{ \"models\": {} }"))).Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("\"upstreamTimeoutSeconds\": 5e6", "upstreamTimeoutSeconds")]
        [InlineData("\"upstreamTimeoutSeconds\": 1e300", "upstreamTimeoutSeconds")]
        [InlineData("\"upstreamTimeoutSeconds\": 0", "upstreamTimeoutSeconds")]
        [InlineData("\"maxRequestBodyBytes\": 2147483648", "maxRequestBodyBytes")]
        [InlineData("\"maxRequestBodyBytes\": 1000", "maxRequestBodyBytes")]
        [InlineData("\"maxUpstreamResponseBytes\": 9223372036854775807", "maxUpstreamResponseBytes")]
        [InlineData("\"maxAttempts\": 65", "maxAttempts")]
        [InlineData("\"maxCostPerRequestUsd\": 1e309", "maxCostPerRequestUsd")]
        public void NumericSettingsOutOfRangeAreRefusedAtStartNamingFileLineAndField(string setting, string field)
        {
            string path = Write("{\n  \"models\": { \"a\": { \"baseUrl\": \"http://x/v1\" } },\n  " + setting + "\n}\n");

            ProxyConfigException error = Assert.Throws<ProxyConfigException>(() => Load(path));

            Assert.StartsWith($"{path}:3: {field}: must be", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void PerUpstreamTimeoutOutOfRangeIsRefused()
        {
            string path = Write("{\n  \"models\": {\n    \"a\": { \"baseUrl\": \"http://x/v1\",\n      \"timeoutSeconds\": 1e300 }\n  }\n}\n");

            Assert.StartsWith(path + ":4: models.a.timeoutSeconds: must be", Assert.Throws<ProxyConfigException>(() => Load(path)).Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("{\n  \"maxAttempts\": 2,\n  \"maxAttempts\": 3,\n  \"models\": { \"a\": { \"baseUrl\": \"http://x/v1\" } }\n}", 3, "maxAttempts")]
        [InlineData("{\n  \"models\": {\n    \"a\": { \"baseUrl\": \"http://x/v1\" },\n    \"a\": { \"baseUrl\": \"http://y/v1\" }\n  }\n}", 4, "models.a")]
        public void DuplicateKeysAreRefusedNamingLineAndField(string json, int line, string field)
        {
            string path = Write(json);

            ProxyConfigException error = Assert.Throws<ProxyConfigException>(() => Load(path));

            Assert.StartsWith($"{path}:{line}: {field}: duplicate key", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void LoneSurrogateAndInvalidUtf8AreRefusedNamingLineAndField()
        {
            string surrogate = Write("{\n  \"models\": { \"a\": { \"baseUrl\": \"http://x/v1\", \"upstreamModel\": \"m\\ud800\" } }\n}");
            Assert.StartsWith(surrogate + ":2: models.a.upstreamModel: the value holds an escape that decodes to a lone UTF-16 surrogate", Assert.Throws<ProxyConfigException>(() => Load(surrogate)).Message, StringComparison.Ordinal);

            string invalid = Path.Combine(_directory, "invalid.json");
            File.WriteAllBytes(invalid, [.. "{\n  \"profile\": \"r"u8, 0xFF, .. "\",\n  \"models\": {}\n}"u8]);
            Assert.StartsWith(invalid + ":2: profile: the value is not valid UTF-8", Assert.Throws<ProxyConfigException>(() => Load(invalid)).Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(" , ")]
        [InlineData(",")]
        [InlineData(" ;")]
        public void ClientKeyVariableWithNoKeyRefusesToStart(string keys)
        {
            var config = new ProxyConfig
            {
                ClientApiKeysEnv = "CLIENT_KEYS",
                Models = new() { ["a"] = new UpstreamConfig { BaseUrl = "http://x/v1" } },
            };

            ProxyConfigException error = Assert.Throws<ProxyConfigException>(() => ProxySettings.FromConfig(config, _directory, name => name == "CLIENT_KEYS" ? keys.Replace(';', ',') : null));

            Assert.Contains("clientApiKeysEnv: environment variable 'CLIENT_KEYS' holds no key", error.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("https://r.openai.azure.com/openai/deployments/gpt-4o?api-version=2024-10-21", "https://r.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21")]
        [InlineData("https://r.openai.azure.com/openai/deployments/gpt-4o/?api-version=2024-10-21&x=%20y", "https://r.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21&x=%20y")]
        [InlineData("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1/chat/completions")]
        [InlineData("http://127.0.0.1:8000", "http://127.0.0.1:8000/chat/completions")]
        public void BaseUrlWithAQueryGetsThePathBeforeTheQuery(string baseUrl, string endpoint)
        {
            var config = new ProxyConfig { Models = new() { ["a"] = new UpstreamConfig { BaseUrl = baseUrl } } };

            ProxySettings settings = ProxySettings.FromConfig(config, _directory);

            Assert.Equal(endpoint, settings.Upstreams["a"].Endpoint.AbsoluteUri);
        }
    }
}
