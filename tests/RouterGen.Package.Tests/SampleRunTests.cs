using System;
using System.IO;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Package.Tests
{
    /// <summary>
    /// The README's main command: the sample routes a prompt with the router generated from
    /// profiles/swebench-verified.router.json and explains it. Its decision must be the runtime-loaded router's.
    /// </summary>
    public sealed class SampleRunTests
    {
        private const string InDistribution =
            "QuerySet.bulk_create() crashes when ignore_conflicts=True is passed on a model with a unique constraint. " +
            "Steps to reproduce: create a model, call bulk_create with ignore_conflicts, the returned objects have no primary key set.";

        [Theory]
        [InlineData(null)]
        [InlineData("max-quality")]
        [InlineData("within-3-points")]
        public void Sample_prints_the_decision_of_the_runtime_loaded_router(string? preset)
        {
            IPromptRouter loaded = RouterProfile.Load(RepositoryPaths.Combine("profiles", "swebench-verified.router.json")).CreatePromptRouter();
            RoutingOptions options = RoutingOptions.MaxQuality;
            Assert.True(preset is null || loaded.Tables.TryGetPreset(preset, out options), $"The profile has no preset '{preset}'.");
            RouteDecision expected = loaded.Route(InDistribution, options);

            string output = RunSample(preset is null ? [InDistribution] : ["--preset", preset, InDistribution]);

            Assert.Contains($"Model    {expected.ModelId}\n", output, StringComparison.Ordinal);
            Assert.Contains(
                expected.IsFallback ? "fallback rule applied" : $"Cluster  #{expected.ClusterIndex} \"{expected.ClusterLabel}\"",
                output,
                StringComparison.Ordinal);
            Assert.Contains($"-> {expected.Options}", output, StringComparison.Ordinal);
            Assert.Contains("  1. " + expected.ModelId, output, StringComparison.Ordinal);
        }

        [Fact]
        public void Unknown_preset_is_refused_with_the_list_of_presets()
        {
            (int exitCode, string output) = DotnetProcess.Run(RepositoryPaths.Root, TimeSpan.FromMinutes(1), SampleDll(), "--preset", "nope", "hello");

            Assert.Equal(1, exitCode);
            Assert.Contains("'nope' is not a preset of SweBenchRouter (presets: max-quality, match-best-single, within-3-points)", output, StringComparison.Ordinal);
        }

        private static string RunSample(string[] arguments)
        {
            (int exitCode, string output) = DotnetProcess.Run(RepositoryPaths.Root, TimeSpan.FromMinutes(1), [SampleDll(), .. arguments]);
            Assert.True(exitCode == 0, $"The sample failed with exit code {exitCode}:\n{output}");
            return output.ReplaceLineEndings("\n");
        }

        // The sample is built by this project's build (a project reference) in the same configuration as the tests.
        private static string SampleDll()
        {
            string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            string path = RepositoryPaths.Combine("samples", "RouterGen.Sample", "bin", configuration, "net10.0", "RouterGen.Sample.dll");
            Assert.True(File.Exists(path), $"The sample is not built at {path}.");
            return path;
        }
    }
}
