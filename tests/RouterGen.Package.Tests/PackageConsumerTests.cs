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
    /// The user's path, end to end: pack RouterGen into a local folder feed, create a fresh console project outside the
    /// repository that references the package, drop a profile into it, build, run, and check the routed output against
    /// the runtime-loaded router of the same profile.
    /// </summary>
    [Collection(PackingCollection.Name)]
    public sealed class PackageConsumerTests : IDisposable
    {
        private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);

        private readonly TempFolder _temp = new("routergen-package-test-");

        private static readonly string[] Prompts =
        [
            "Fix the off-by-one error in this Python function and add a unit test.",
            "Prove that the sum of two even numbers is even.",
            "Summarize this email in two friendly sentences.",
        ];

        private string _root => _temp.Path;

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void Packed_package_routes_in_a_fresh_project()
        {
            string feed = Path.Combine(_root, "feed");
            string app = Path.Combine(_root, "app");
            Directory.CreateDirectory(app);

            // Build servers are disabled so that no MSBuild node or compiler server outlives the test.
            Run(RepositoryPaths.Root, "pack", RepositoryPaths.Combine("src", "RouterGen", "RouterGen.csproj"), "-c", "Release", "-o", feed, "--disable-build-servers", "-p:UseSharedCompilation=false");
            string package = Directory.GetFiles(feed, "RouterGen.*.nupkg").Single();
            string version = Path.GetFileNameWithoutExtension(package)["RouterGen.".Length..];
            AssertPackageLayout(package);

            WriteConsumerProject(app, feed, version);
            Run(app, "build", "-c", "Release", "--disable-build-servers", "-p:UseSharedCompilation=false");
            string output = Run(app, ["bin/Release/net10.0/PackageUser.dll", .. Prompts]);
            string snippetOutput = Run(app, "bin/Release/net10.0/PackageUser.dll", "--snippets");

            // The expected decisions come from the runtime-loaded router, which decides exactly as the generated one must.
            IPromptRouter loaded = RouterProfile.Load(Path.Combine(app, "routers", "example.router.json")).CreatePromptRouter();
            string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal("router ExampleRouter: 3 clusters, 3 models, presets " + string.Join(",", loaded.Tables.PresetNames), lines[0]);
            for (int i = 0; i < Prompts.Length; i++)
            {
                RouteDecision expected = loaded.Route(Prompts[i], RoutingOptions.MaxQuality);
                Assert.Equal($"{expected.ModelId}|{expected.ClusterIndex}|{expected.IsFallback}", lines[i + 1]);
            }

            // The README's snippet compiled (the build above) and printed what its closing comment says it prints.
            string promised = DocumentationSnippets.ExpectedOutput(RepositoryPaths.Combine("README.md"));
            Assert.Contains(Normalize(promised), Normalize(snippetOutput), StringComparison.Ordinal);
        }

        // Percent formatting follows the machine's culture ("70%" or "70 %").
        private static string Normalize(string text) => text.Replace(" %", "%", StringComparison.Ordinal);

        private static void AssertPackageLayout(string package)
        {
            using ZipArchive zip = ZipFile.OpenRead(package);
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("lib/net10.0/RouterGen.dll", entries);
            Assert.Contains("lib/net10.0/RouterGen.xml", entries);
            Assert.Contains("analyzers/dotnet/cs/RouterGen.Generator.dll", entries);
            Assert.Contains("buildTransitive/RouterGen.targets", entries);

            // The generator must not leak into lib/ (users would reference Roslyn), nor the runtime into analyzers/.
            Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generator", StringComparison.Ordinal));
            Assert.DoesNotContain(entries, e => e.StartsWith("analyzers/", StringComparison.Ordinal) && e.EndsWith("/RouterGen.dll", StringComparison.Ordinal));

            ZipArchiveEntry nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
            using Stream stream = nuspec.Open();
            XDocument spec = XDocument.Load(stream);
            var dependencies = spec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string?)e.Attribute("id")).ToList();
            Assert.Contains("System.Numerics.Tensors", dependencies);
            Assert.DoesNotContain(dependencies, d => d is not null && d.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));

            // Metadata a package page shows: the licence, and a README written for it (no repository-relative links).
            XElement license = spec.Descendants().Single(e => e.Name.LocalName == "license");
            Assert.Equal(("expression", "MIT"), ((string?)license.Attribute("type"), license.Value));
            Assert.Equal("README.md", spec.Descendants().Single(e => e.Name.LocalName == "readme").Value);
            using var readme = new StreamReader(zip.GetEntry("README.md")!.Open());
            Assert.DoesNotContain("](docs/", readme.ReadToEnd(), StringComparison.Ordinal);
        }

        private void WriteConsumerProject(string app, string feed, string version)
        {
            LocalFeed.Isolate(_root, feed, "RouterGen");

            File.WriteAllText(Path.Combine(app, "PackageUser.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <RootNamespace>MyApp</RootNamespace>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <RestorePackagesPath>{Path.Combine(_root, "packages")}</RestorePackagesPath>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="RouterGen" Version="{version}" />
                  </ItemGroup>
                  <ItemGroup>
                    <None Include="routers/*.router.json" CopyToOutputDirectory="PreserveNewest" />
                  </ItemGroup>
                </Project>
                """);

            // A profile in a subfolder, added by nothing but the package's buildTransitive glob.
            Directory.CreateDirectory(Path.Combine(app, "routers"));
            File.Copy(RepositoryPaths.Combine("profiles", "example.router.json"), Path.Combine(app, "routers", "example.router.json"));
            File.Copy(RepositoryPaths.Combine("profiles", "swebench-verified.router.json"), Path.Combine(app, "routers", "swebench-verified.router.json"));

            // Every C# block of the README and the getting-started guide, compiled by the same build as a user's code.
            File.WriteAllText(
                Path.Combine(app, "DocumentationSnippets.cs"),
                DocumentationSnippets.ToSource([RepositoryPaths.Combine("README.md"), RepositoryPaths.Combine("docs", "getting-started.md")]));
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using RouterGen.Routing;
                using MyApp;

                if (args is ["--snippets"])
                {
                    DocumentationSnippets.RunAll();
                    return;
                }

                Console.WriteLine($"router {ExampleRouter.Tables.Name}: {ExampleRouter.ClusterCount} clusters, {ExampleRouter.ModelCount} models, presets {string.Join(",", ExampleRouter.Tables.PresetNames)}");
                foreach (string prompt in args)
                {
                    RouteDecision decision = ExampleRouter.Route(prompt);
                    Console.WriteLine($"{decision.ModelId}|{decision.ClusterIndex}|{decision.IsFallback}");
                }
                """);
        }

        private static string Run(string workingDirectory, params string[] arguments) => DotnetProcess.RunChecked(workingDirectory, StepTimeout, arguments);
    }
}
