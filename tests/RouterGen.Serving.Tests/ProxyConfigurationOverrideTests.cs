using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using RouterGen.Proxy;
using Xunit;

namespace RouterGen.Serving.Tests
{
    /// <summary>
    /// Configuration through Microsoft.Extensions.Configuration: the file, then overrides (environment variables and
    /// flags in <c>routergen serve</c>, an in-memory source here) winning over it; the file's Logging section.
    /// </summary>
    public sealed class ProxyConfigurationOverrideTests : IDisposable
    {
        private readonly TempFolder _folder = new("routergen-proxy-overrides-");

        private string Folder => _folder.Path;

        public void Dispose() => _folder.Dispose();

        private string ServableFile(string extra = "")
        {
            ServingProfile.Save(Folder);
            string path = Path.Combine(Folder, "proxy.json");
            File.WriteAllText(path, "{\n  \"profile\": \"serving-test.router.json\",\n  \"maxAttempts\": 3," + extra + "\n  \"models\": {\n    \"cheap\": { \"baseUrl\": \"http://127.0.0.1:9/v1\" },\n    \"premium\": { \"baseUrl\": \"http://127.0.0.1:9/v1\", \"timeoutSeconds\": 30 }\n  }\n}\n");
            return path;
        }

        private static IConfigurationRoot Overrides(params (string Key, string Value)[] settings) =>
            new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

        [Fact]
        public void OverridesWinOverTheFileAndMergeIntoItsModels()
        {
            string path = ServableFile();

            ProxySettings settings = ProxySettings.Load(path, Overrides(
                ("maxAttempts", "5"),
                ("models:premium:baseUrl", "http://127.0.0.1:7/v1"),
                ("models:mid:baseUrl", "http://127.0.0.1:8/v1")));

            Assert.Equal(5, settings.Config.MaxAttempts);
            Assert.Equal(new Uri("http://127.0.0.1:7/v1/chat/completions"), settings.Upstreams["premium"].Endpoint);
            Assert.Equal(TimeSpan.FromSeconds(30), settings.Upstreams["premium"].Timeout);
            Assert.Equal(new Uri("http://127.0.0.1:8/v1/chat/completions"), settings.Upstreams["mid"].Endpoint);
            Assert.Equal(new Uri("http://127.0.0.1:9/v1/chat/completions"), settings.Upstreams["cheap"].Endpoint);
        }

        [Fact]
        public void AnOverriddenProfileIsRelativeToTheCurrentDirectory()
        {
            string path = ServableFile();

            ProxySettings settings = ProxySettings.Load(path, Overrides(("profile", "elsewhere/other.router.json")));

            Assert.Equal(Path.GetFullPath("elsewhere/other.router.json"), settings.ProfilePath);
        }

        [Fact]
        public void AnInvalidOverrideIsNamedByWhereItCameFromNotByTheFilesLine()
        {
            string path = ServableFile();

            ProxyConfigException error = Assert.Throws<ProxyConfigException>(() => ProxySettings.Load(path, Overrides(("maxAttempts", "0"))));

            Assert.StartsWith("command line (maxAttempts): maxAttempts: must be from 1 to 64, not 0.", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AnOverrideOfAModelFieldIsNamedByItsKey()
        {
            string path = ServableFile();

            ProxyConfigException error = Assert.Throws<ProxyConfigException>(() => ProxySettings.Load(path, Overrides(("models:premium:baseUrl", "ftp://x"))));

            Assert.StartsWith("command line (models:premium:baseUrl): models.premium.baseUrl: must be an absolute http(s) URL", error.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("maxAtempts", "'maxAtempts' is not a proxy setting")]
        [InlineData("models:premium:timeout", "'timeout' is not a setting of an upstream model")]
        public void AnUnknownOverrideIsRefusedLikeAnUnknownField(string key, string expected)
        {
            string path = ServableFile();

            ProxyConfigException error = Assert.Throws<ProxyConfigException>(() => ProxySettings.Load(path, Overrides((key, "1"))));

            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            Assert.StartsWith($"command line ({key})", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AValueTheSettingCannotHoldIsRefused()
        {
            string path = ServableFile();

            ProxyConfigException error = Assert.Throws<ProxyConfigException>(() => ProxySettings.Load(path, Overrides(("maxAttempts", "many"))));

            Assert.StartsWith("command line (maxAttempts): Failed to convert configuration value 'many'", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void TheFilesLoggingSectionConfiguresTheConsoleLogger()
        {
            string path = ServableFile("\n  \"Logging\": { \"LogLevel\": { \"Default\": \"Warning\" }, \"Console\": { \"FormatterName\": \"json\" } },");
            ProxySettings settings = ProxySettings.Load(path);
            WebApplication app = RoutingProxy.Create(settings, settings.LoadRouter(), new RoutingProxyOptions { Urls = "http://127.0.0.1:0" });
            try
            {
                Assert.Equal("json", app.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
                Assert.Contains(app.Services.GetServices<ConsoleFormatter>(), formatter => formatter.Name == ConsoleFormatterNames.Json);
                Assert.False(app.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information));
                Assert.True(app.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Warning));
            }
            finally
            {
                ((IDisposable)app).Dispose();
            }
        }

        [Fact]
        public void WithoutALoggingSectionTheConsoleUsesTheSimpleFormatterAndQuietFrameworkCategories()
        {
            ProxySettings settings = ProxySettings.Load(ServableFile());
            WebApplication app = RoutingProxy.Create(settings, settings.LoadRouter(), new RoutingProxyOptions { Urls = "http://127.0.0.1:0" });
            try
            {
                Assert.NotEqual("json", app.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
                Assert.False(app.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Routing").IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information));
                Assert.True(app.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information));
            }
            finally
            {
                ((IDisposable)app).Dispose();
            }
        }
    }
}
