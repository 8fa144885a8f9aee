using System;
using System.IO;
using System.Linq;

namespace RouterGen.Package.Tests
{
    /// <summary>A consumer folder that sees RouterGen's packages only from a fresh local feed, as a user's machine would.</summary>
    internal static class LocalFeed
    {
        /// <summary>
        /// Writes, into <paramref name="root"/> (the parent of the consumer projects), empty MSBuild props/targets/CPM files
        /// and a NuGet.config that takes <paramref name="localPackages"/> (ids or patterns) only from <paramref name="feed"/>.
        /// </summary>
        public static void Isolate(string root, string feed, params string[] localPackages)
        {
            // Empty props/targets/CPM files stop MSBuild from picking up anything above the temp folder.
            File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />");
            File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), "<Project />");
            File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), "<Project />");

            // RouterGen comes only from the fresh feed (source mapping), and restores into a private packages folder, so a
            // RouterGen of the same version cached on this machine is never used. Everything else comes from the normal feed.
            string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string cacheSource = Directory.Exists(globalPackages)
                ? $"<add key=\"machine-cache\" value=\"{globalPackages}\" />"
                : "";
            string cacheMapping = Directory.Exists(globalPackages)
                ? "<packageSource key=\"machine-cache\"><package pattern=\"*\" /></packageSource>"
                : "";
            File.WriteAllText(Path.Combine(root, "NuGet.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="routergen-local" value="{feed}" />
                    {cacheSource}
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                  </packageSources>
                  <packageSourceMapping>
                    <packageSource key="routergen-local">{string.Concat(localPackages.Select(p => $"<package pattern=\"{p}\" />"))}</packageSource>
                    {cacheMapping}
                    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
                  </packageSourceMapping>
                </configuration>
                """);
        }
    }
}

namespace RouterGen.Package.Tests
{
    /// <summary>
    /// The tests that pack projects of this repository (they build them in Release into the same obj/ and bin/ folders)
    /// run one at a time: two packs of RouterGen at once collide on its build outputs.
    /// </summary>
    [Xunit.CollectionDefinition(Name)]
    public sealed class PackingCollection
    {
        public const string Name = "Packs repository projects";
    }
}
