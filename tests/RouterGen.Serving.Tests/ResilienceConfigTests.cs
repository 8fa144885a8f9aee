using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Extensions.Configuration;
using RouterGen.Proxy;
using Xunit;

namespace RouterGen.Serving.Tests
{
    /// <summary>The <c>resilience</c> section: read from the file, overridden from the environment, range-checked with its field.</summary>
    public sealed class ResilienceConfigTests : IDisposable
    {
        private readonly TempFolder _folder = new("routergen-proxy-resilience-");

        public void Dispose() => _folder.Dispose();

        private string File(string resilience)
        {
            ServingProfile.Save(_folder.Path);
            string path = Path.Combine(_folder.Path, "proxy.json");
            System.IO.File.WriteAllText(path, "{\n  \"profile\": \"serving-test.router.json\",\n  \"resilience\": {\n" + resilience + "\n  },\n  \"models\": { \"cheap\": { \"baseUrl\": \"http://127.0.0.1:9/v1\" } }\n}\n");
            return path;
        }

        private static IConfigurationRoot Overrides(params (string Key, string Value)[] settings) =>
            new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

        [Fact]
        public void DefaultsAreTheDocumentedOnes()
        {
            var defaults = new ResilienceConfig();

            Assert.Equal((2, 0.5, 10.0, 300.0), (defaults.Retries, defaults.RetryBaseDelaySeconds, defaults.RetryMaxDelaySeconds, defaults.TotalTimeoutSeconds));
            Assert.Equal((0.5, 5, 30.0, 30.0, 60.0), (defaults.BreakerFailureRatio, defaults.BreakerMinimumCalls, defaults.BreakerSamplingSeconds, defaults.BreakerCooldownSeconds, defaults.StreamIdleTimeoutSeconds));
        }

        [Fact]
        public void TheFileSetsThemAndAnOverrideWins()
        {
            string path = File("    \"retries\": 1,\n    \"breakerCooldownSeconds\": 5");

            ProxySettings settings = ProxySettings.Load(path, Overrides(("resilience:retries", "0")));

            Assert.Equal(0, settings.Config.Resilience.Retries);
            Assert.Equal(5, settings.Config.Resilience.BreakerCooldownSeconds);
        }

        [Fact]
        public void AnOutOfRangeValueNamesTheFileLineAndField()
        {
            string path = File("    \"retries\": 1,\n    \"breakerFailureRatio\": 1.5");

            ProxyConfigException error = Assert.Throws<ProxyConfigException>(() => ProxySettings.Load(path));

            Assert.Equal($"{path}:5: resilience.breakerFailureRatio: must be above 0 and at most 1, not 1.5.", error.Message);
        }

        [Fact]
        public void AnOverrideOutOfRangeOrUnknownIsNamedByItsKey()
        {
            string path = File("    \"retries\": 1");

            ProxyConfigException range = Assert.Throws<ProxyConfigException>(() => ProxySettings.Load(path, Overrides(("resilience:retries", "11"))));
            ProxyConfigException unknown = Assert.Throws<ProxyConfigException>(() => ProxySettings.Load(path, Overrides(("resilience:retry", "1"))));

            Assert.StartsWith("command line (resilience:retries): resilience.retries: must be from 0 to 10, not 11.", range.Message, StringComparison.Ordinal);
            Assert.StartsWith("command line (resilience:retry): 'retry' is not a resilience setting", unknown.Message, StringComparison.Ordinal);
        }
    }
}
