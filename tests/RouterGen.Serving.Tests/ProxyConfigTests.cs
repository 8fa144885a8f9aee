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
    }
}
