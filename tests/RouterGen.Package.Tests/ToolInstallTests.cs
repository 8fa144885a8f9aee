using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Xunit;

namespace RouterGen.Package.Tests
{
    /// <summary>
    /// The CLI as a user gets it: packed as a dotnet tool into a local folder feed, installed with one
    /// <c>dotnet tool install</c> into a private tool path, and run by its command name. Costs about a minute on a 2-core
    /// machine (the pack compresses ONNX Runtime's native libraries and the MiniLM and arctic-embed-xs models, ~217 MB).
    /// </summary>
    [Collection(PackingCollection.Name)]
    public sealed class ToolInstallTests : IDisposable
    {
        private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(6);

        private readonly TempFolder _temp = new("routergen-tool-test-");

        private string _root => _temp.Path;

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void Routergen_installs_from_a_local_feed_and_runs_by_its_command_name()
        {
            string feed = Path.Combine(_root, "feed");
            string tools = Path.Combine(_root, "tools");
            Run(RepositoryPaths.Root, "pack", RepositoryPaths.Combine("src", "RouterGen.Cli", "RouterGen.Cli.csproj"), "-c", "Release", "-o", feed, "--disable-build-servers", "-p:UseSharedCompilation=false");
            string package = Directory.GetFiles(feed, "RouterGen.Cli.*.nupkg").Single(p => !p.EndsWith(".snupkg", StringComparison.Ordinal));
            string version = Path.GetFileNameWithoutExtension(package)["RouterGen.Cli.".Length..];
            using (ZipArchive zip = ZipFile.OpenRead(package))
            {
                Assert.Contains(zip.Entries, e => e.FullName == "tools/net10.0/any/DotnetToolSettings.xml");
                Assert.DoesNotContain(zip.Entries, e => e.FullName.Contains("/runtimes/android/", StringComparison.Ordinal) || e.FullName.Contains("/runtimes/ios/", StringComparison.Ordinal));
            }

            // The one command docs/getting-started.md gives (with a private tool path instead of -g). The config's private
            // packages folder keeps a RouterGen.Cli of the same version, cached on this machine by an earlier run, out of it.
            string config = Path.Combine(_root, "NuGet.config");
            File.WriteAllText(config, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <config><add key="globalPackagesFolder" value="{Path.Combine(_root, "packages")}" /></config>
                  <packageSources><clear /></packageSources>
                </configuration>
                """);
            Run(_root, "tool", "install", "RouterGen.Cli", "--version", version, "--tool-path", tools, "--add-source", feed, "--configfile", config);
            (int exitCode, string help) = DotnetProcess.RunProgram(Path.Combine(tools, OperatingSystem.IsWindows() ? "routergen.exe" : "routergen"), _root, StepTimeout, "--help");

            Assert.True(exitCode == 0, "routergen --help failed:\n" + help);
            foreach (string command in new[] { "fit", "eval", "inspect", "route", "diff", "serve" })
            {
                Assert.Contains("  " + command, help, StringComparison.Ordinal);
            }
        }

        private static void Run(string workingDirectory, params string[] arguments)
        {
            (int exitCode, string output) = DotnetProcess.Run(workingDirectory, StepTimeout, arguments);
            Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} failed with exit code {exitCode}:\n{output}");
        }
    }
}
