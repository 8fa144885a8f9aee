using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Package.Tests
{
    /// <summary>
    /// docs/serving.md's "plug in a generated router" from packages: RouterGen and RouterGen.Proxy packed into a local
    /// folder feed, a fresh host project that references only RouterGen.Proxy, with a profile compiled into a router by
    /// the generator that comes with it, serving a chat completion from a fake upstream on loopback.
    /// </summary>
    [Collection(PackingCollection.Name)]
    public sealed class ProxyPackageTests : IDisposable
    {
        private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);
        private const string Prompt = "Fix the off-by-one error in this Python function and add a unit test.";

        private readonly TempFolder _temp = new("routergen-proxy-package-test-");

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void A_host_referencing_only_the_proxy_package_serves_a_generated_router()
        {
            string feed = Path.Combine(_temp.Path, "feed");
            string app = Path.Combine(_temp.Path, "host");
            Directory.CreateDirectory(app);
            foreach (string project in new[] { "RouterGen", "RouterGen.Proxy" })
            {
                Run(RepositoryPaths.Root, "pack", RepositoryPaths.Combine("src", project, project + ".csproj"), "-c", "Release", "-o", feed, "--disable-build-servers", "-p:UseSharedCompilation=false");
            }

            string package = Directory.GetFiles(feed, "RouterGen.Proxy.*.nupkg").Single(p => !p.EndsWith(".snupkg", StringComparison.Ordinal));
            string version = Path.GetFileNameWithoutExtension(package)["RouterGen.Proxy.".Length..];
            AssertPackageMetadata(package);

            LocalFeed.Isolate(_temp.Path, feed, "RouterGen", "RouterGen.Proxy");
            WriteHostProject(app, version);
            Run(app, "build", "-c", "Release", "--disable-build-servers", "-p:UseSharedCompilation=false");
            string[] lines = Run(app, "bin/Release/net10.0/ProxyHost.dll").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

            // The generated router decides as the runtime-loaded profile does, under the default (first) preset.
            RouterProfile profile = RouterProfile.Load(Path.Combine(app, "routers", "example.router.json"));
            Assert.True(profile.Tables.TryGetPreset(profile.Tables.PresetNames[0], out RoutingOptions options));
            RouteDecision expected = profile.CreatePromptRouter().Route(Prompt, options);
            // The host's own lines, among the proxy's console log.
            Assert.Equal($"served 200 {expected.ModelId} hello from upstream", lines.Single(l => l.StartsWith("served ", StringComparison.Ordinal)));
            Assert.Equal("ready 200 Healthy ExampleRouter", lines.Single(l => l.StartsWith("ready ", StringComparison.Ordinal)));
        }

        private static void AssertPackageMetadata(string package)
        {
            using ZipArchive zip = ZipFile.OpenRead(package);
            Assert.NotNull(zip.GetEntry("lib/net10.0/RouterGen.Proxy.dll"));
            Assert.NotNull(zip.GetEntry("lib/net10.0/RouterGen.Proxy.xml"));
            using Stream stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
            XDocument spec = XDocument.Load(stream);
            XElement license = spec.Descendants().Single(e => e.Name.LocalName == "license");
            Assert.Equal(("expression", "MIT"), ((string?)license.Attribute("type"), license.Value));
            Assert.Equal("README.md", spec.Descendants().Single(e => e.Name.LocalName == "readme").Value);
            Assert.Equal("Microsoft.AspNetCore.App", (string?)spec.Descendants().Single(e => e.Name.LocalName == "frameworkReference").Attribute("name"));

            // RouterGen comes with everything (its generator and build targets), so the host's profiles become routers.
            XElement routerGen = spec.Descendants().Single(e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == "RouterGen");
            Assert.Equal("All", (string?)routerGen.Attribute("include"));
            using var readme = new StreamReader(zip.GetEntry("README.md")!.Open());
            Assert.DoesNotContain("](docs/", readme.ReadToEnd(), StringComparison.Ordinal);
        }

        private static void WriteHostProject(string app, string version)
        {
            File.WriteAllText(Path.Combine(app, "ProxyHost.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <RootNamespace>MyHost</RootNamespace>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <RestorePackagesPath>{Path.Combine(Path.GetDirectoryName(app)!, "packages")}</RestorePackagesPath>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="RouterGen.Proxy" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            Directory.CreateDirectory(Path.Combine(app, "routers"));
            File.Copy(RepositoryPaths.Combine("profiles", "example.router.json"), Path.Combine(app, "routers", "example.router.json"));

            // The host starts a fake upstream and the proxy on free loopback ports, asks each once, and stops.
            File.WriteAllText(Path.Combine(app, "Program.cs"), $$"""
                using System.Text;
                using Microsoft.AspNetCore.Builder;
                using Microsoft.AspNetCore.Hosting;
                using Microsoft.AspNetCore.Http;
                using MyHost;
                using RouterGen.Proxy;

                WebApplicationBuilder upstreamBuilder = WebApplication.CreateSlimBuilder();
                upstreamBuilder.WebHost.UseUrls("http://127.0.0.1:0");
                WebApplication upstream = upstreamBuilder.Build();
                upstream.MapPost("/v1/chat/completions", (HttpContext context) =>
                {
                    context.Response.ContentType = "application/json";
                    return context.Response.WriteAsync("{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello from upstream\"},\"finish_reason\":\"stop\"}]}");
                });
                await upstream.StartAsync();

                var config = new ProxyConfig();
                foreach (string model in ExampleRouter.Tables.ModelIds)
                {
                    config.Models[model] = new UpstreamConfig { BaseUrl = upstream.Urls.First() + "/v1" };
                }

                ProxySettings settings = ProxySettings.FromConfig(config, AppContext.BaseDirectory, _ => null);
                WebApplication proxy = RoutingProxy.Create(settings, ExampleRouter.CreatePromptRouter(), new RoutingProxyOptions { Urls = "http://127.0.0.1:0" });
                await proxy.StartAsync();

                using var http = new HttpClient { BaseAddress = new Uri(proxy.Urls.First()) };
                string body = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"{{Prompt}}\"}]}";
                using HttpResponseMessage answer = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
                string text = await answer.Content.ReadAsStringAsync();
                Console.WriteLine($"served {(int)answer.StatusCode} {answer.Headers.GetValues("x-routergen-model").Single()} {(text.Contains("hello from upstream") ? "hello from upstream" : text)}");
                using HttpResponseMessage ready = await http.GetAsync("/health/ready");
                string readiness = await ready.Content.ReadAsStringAsync();
                Console.WriteLine($"ready {(int)ready.StatusCode} {(readiness.Contains("\"status\":\"Healthy\"") ? "Healthy" : readiness)} {ExampleRouter.Tables.Name}");

                await proxy.StopAsync();
                await upstream.StopAsync();
                """);
        }

        private static string Run(string workingDirectory, params string[] arguments) => DotnetProcess.RunChecked(workingDirectory, StepTimeout, arguments);
    }
}
