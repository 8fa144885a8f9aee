using System.IO;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace RouterGen.Cli.Tests
{
    /// <summary>
    /// <c>routergen serve</c> start-up errors. The proxy itself is exercised over real HTTP in RouterGen.Serving.Tests; a
    /// successful serve blocks until the process is stopped, so it is not run here.
    /// </summary>
    public sealed class ServeCommandTests
    {
        [Fact]
        public void Missing_configuration_file_is_a_user_error()
        {
            using var folder = new TempFolder();
            string path = Path.Combine(folder.Path, "nope.json");

            CliRun run = CliRun.Of("serve", "--config", path);

            Assert.Equal(1, run.ExitCode);
            Assert.Contains(path + ": the proxy configuration file does not exist.", run.Error);
        }

        [Fact]
        public void Invalid_configuration_names_file_line_and_field()
        {
            using var folder = new TempFolder();
            string path = Path.Combine(folder.Path, "proxy.json");
            File.WriteAllText(path, "{\n  \"profile\": \"test.router.json\",\n  \"models\": {\n    \"small\": { \"baseUrl\": \"ftp://nowhere\" }\n  }\n}\n");

            CliRun run = CliRun.Of("serve", "--config", path);

            Assert.Equal(1, run.ExitCode);
            Assert.Contains(path + ":4: models.small.baseUrl: must be an absolute http(s) URL", run.Error);
        }

        [Fact]
        public void Configuration_serving_none_of_the_profiles_models_is_a_user_error()
        {
            using var folder = new TempFolder();
            TestProfiles.Save(TestProfiles.Create(), folder);
            string path = Path.Combine(folder.Path, "proxy.json");
            File.WriteAllText(path, "{ \"profile\": \"test.router.json\", \"models\": { \"elsewhere\": { \"baseUrl\": \"http://127.0.0.1:9/v1\" } } }");

            CliRun run = CliRun.Of("serve", "--config", path);

            Assert.Equal(1, run.ExitCode);
            Assert.Contains("None of router 'TestRouter''s models", run.Error);
        }

        private static string ServableConfig(TempFolder folder)
        {
            TestProfiles.Save(TestProfiles.Create(), folder);
            string path = Path.Combine(folder.Path, "proxy.json");
            File.WriteAllText(path, "{ \"profile\": \"test.router.json\", \"models\": { \"mid\": { \"baseUrl\": \"http://127.0.0.1:9/v1\" } } }");
            return path;
        }

        [Fact]
        public void Port_in_use_is_a_one_line_user_error()
        {
            using var folder = new TempFolder();
            using var occupant = new TcpListener(IPAddress.Loopback, 0);
            occupant.Start();
            int port = ((IPEndPoint)occupant.LocalEndpoint).Port;

            CliRun run = CliRun.Of("serve", "--config", ServableConfig(folder), "--urls", $"http://127.0.0.1:{port}");

            Assert.Equal(1, run.ExitCode);
            Assert.Contains("address already in use", run.Error);
            Assert.DoesNotContain("   at ", run.Error);
        }

        [Theory]
        [InlineData("ftp://127.0.0.1:8080")]
        [InlineData("http://127.0.0.1:99999")]
        [InlineData("http://127.0.0.1:8080/v1")]
        [InlineData("not a url")]
        [InlineData(" ; ")]
        public void Bad_urls_is_a_one_line_user_error_before_anything_starts(string urls)
        {
            using var folder = new TempFolder();

            CliRun run = CliRun.Of("serve", "--config", ServableConfig(folder), "--urls", urls);

            Assert.Equal(1, run.ExitCode);
            Assert.StartsWith("routergen serve: error: --urls: listen address", run.Error);
            Assert.Single(run.Error.TrimEnd().Split('\n'));
        }

        [Fact]
        public void Bad_urls_in_the_configuration_names_file_and_line()
        {
            using var folder = new TempFolder();
            TestProfiles.Save(TestProfiles.Create(), folder);
            string path = Path.Combine(folder.Path, "proxy.json");
            File.WriteAllText(path, "{ \"profile\": \"test.router.json\",\n  \"urls\": \"gopher://x:1\",\n  \"models\": { \"mid\": { \"baseUrl\": \"http://127.0.0.1:9/v1\" } } }");

            CliRun run = CliRun.Of("serve", "--config", path);

            Assert.Equal(1, run.ExitCode);
            Assert.Contains(path + ":2: urls: listen address \"gopher://x:1\"", run.Error);
        }

        [Fact]
        public void Validate_prints_what_would_be_served_and_exits_0_without_listening()
        {
            using var folder = new TempFolder();
            TestProfiles.Save(TestProfiles.Create(), folder);
            string path = Path.Combine(folder.Path, "proxy.json");
            File.WriteAllText(path, "{ \"profile\": \"test.router.json\", \"urls\": \"http://127.0.0.1:1\", \"models\": { \"mid\": { \"baseUrl\": \"http://127.0.0.1:9/v1\", \"upstreamModel\": \"mid-2025\" }, \"big\": { \"baseUrl\": \"http://127.0.0.1:9/v1\" }, \"extra\": { \"baseUrl\": \"http://127.0.0.1:9/v1\" } } }");

            CliRun run = CliRun.Of("serve", "--config", path, "--validate");

            Assert.Equal(0, run.ExitCode);
            Assert.Equal("", run.Error);
            Assert.Contains($"routergen serve --validate: {path} is valid.", run.Output);
            Assert.Contains("router: TestRouter (3 models,", run.Output);
            Assert.Contains("listen: http://127.0.0.1:1", run.Output);
            Assert.Contains("  mid (routed): mid-2025 at http://127.0.0.1:9/v1/chat/completions, timeout 120 s", run.Output);
            Assert.Contains("  big (routed): big at http://127.0.0.1:9/v1/chat/completions, timeout 120 s, $15/$75 per million tokens", run.Output);
            Assert.Contains("  extra (pass-through): extra at", run.Output);
            Assert.Contains("  small: in the profile but has no upstream, so it is never chosen", run.Output);
        }

        [Fact]
        public void Validate_with_an_invalid_configuration_exits_1_naming_file_line_and_field()
        {
            using var folder = new TempFolder();
            TestProfiles.Save(TestProfiles.Create(), folder);
            string path = Path.Combine(folder.Path, "proxy.json");
            File.WriteAllText(path, "{ \"profile\": \"test.router.json\",\n  \"maxAttempts\": 0,\n  \"models\": { \"mid\": { \"baseUrl\": \"http://127.0.0.1:9/v1\" } } }");

            CliRun run = CliRun.Of("serve", "--config", path, "--validate");

            Assert.Equal(1, run.ExitCode);
            Assert.Contains(path + ":2: maxAttempts: must be from 1 to 64, not 0.", run.Error);
            Assert.Equal("", run.Output);
        }

        [Fact]
        public void A_flag_wins_over_the_file_and_an_unknown_preset_is_named_by_it()
        {
            using var folder = new TempFolder();

            CliRun run = CliRun.Of("serve", "--config", ServableConfig(folder), "--default-preset", "no-such-preset", "--validate");

            Assert.Equal(1, run.ExitCode);
            Assert.Contains("defaultPreset: router 'TestRouter' has no preset 'no-such-preset'", run.Error);
        }

        [Fact]
        public void A_configured_top_clusters_count_beyond_the_profiles_clusters_is_named_by_validate()
        {
            using var folder = new TempFolder();
            string path = ServableConfig(folder);
            File.WriteAllText(path, File.ReadAllText(path).Replace("{ \"profile\"", "{ \"topClusters\": 99, \"profile\"", System.StringComparison.Ordinal));

            CliRun run = CliRun.Of("serve", "--config", path, "--validate");

            Assert.Equal(1, run.ExitCode);
            Assert.Contains("'topClusters': the number of nearest clusters to blend must be 1 to", run.Error);
            Assert.Contains("not 99", run.Error);
        }

        [Fact]
        public void An_environment_override_wins_over_the_file_and_is_named_in_errors()
        {
            using var folder = new TempFolder();
            string path = ServableConfig(folder);

            // Only this class runs serve in this test process, and xunit runs a class's tests one at a time.
            System.Environment.SetEnvironmentVariable("ROUTERGEN__maxAttempts", "7");
            CliRun valid;
            try
            {
                valid = CliRun.Of("serve", "--config", path, "--validate");
                System.Environment.SetEnvironmentVariable("ROUTERGEN__maxAttempts", "0");
                CliRun invalid = CliRun.Of("serve", "--config", path, "--validate");

                Assert.Equal(1, invalid.ExitCode);
                Assert.Contains("environment variable ROUTERGEN__maxAttempts: maxAttempts: must be from 1 to 64, not 0.", invalid.Error);
            }
            finally
            {
                System.Environment.SetEnvironmentVariable("ROUTERGEN__maxAttempts", null);
            }

            Assert.Equal(0, valid.ExitCode);
            Assert.Contains("limits: 7 attempts,", valid.Output);
        }
    }
}
