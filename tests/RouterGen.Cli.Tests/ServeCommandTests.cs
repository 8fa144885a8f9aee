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
    }
}
