using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace RouterGen.Generator.Tests.Fuzzing
{
    /// <summary>
    /// The profile fuzzer: seeded mutations of every shipped profile (profiles/*.router.json) and fixture profile, run
    /// through the generator in-process and checked by <see cref="ProfileFuzzChecks"/>; and the fixed corpus of every
    /// hostile input named in issue 8 (FuzzCorpus/, file names give the expected outcome). The default run is bounded;
    /// ROUTERGEN_FUZZ_ITERATIONS=n runs n mutations per seed profile (ROUTERGEN_FUZZ_SEED picks the seed).
    /// </summary>
    public sealed class ProfileFuzzTests
    {
        // 6 seed profiles x 35 = 210 inputs by default (two of them format version 2, with a linear and a soft-cluster
        // estimator): about 20-40 s on a loaded 2-core machine, most of it Roslyn.
        private const int DefaultIterationsPerSeed = 35;

        private const int DefaultSeed = 20261201;

        private const string HostilePath = "/project/evil\n[global::System.Runtime.CompilerServices.ModuleInitializer] internal static void Injected() { }\n//\u2028</c>\uFFFE.router.json";

        private readonly ITestOutputHelper _output;

        public ProfileFuzzTests(ITestOutputHelper output)
        {
            _output = output;
        }

        [Fact]
        public void MutatedProfilesAreRefusedWithLocatedDiagnosticsOrCompileAndRouteLikeTheRuntime()
        {
            int iterations = EnvironmentInt("ROUTERGEN_FUZZ_ITERATIONS") ?? DefaultIterationsPerSeed;
            int seed = EnvironmentInt("ROUTERGEN_FUZZ_SEED") ?? DefaultSeed;
            var random = new Random(seed);
            var inputs = new List<FuzzInput>();
            foreach ((string name, string text) in SeedProfiles())
            {
                for (int i = 0; i < iterations; i++)
                {
                    inputs.Add(new FuzzInput($"/project/fuzz/{name}-{i}.router.json", ProfileMutator.Mutate(text, random), $"seed {seed}, {name} mutation {i}"));
                }
            }

            FuzzReport report = ProfileFuzzChecks.Run(inputs);
            _output.WriteLine(report.ToString());
            Assert.True(report.Failures.Count == 0, report + "\n" + string.Join("\n", report.Failures.Take(10)));

            // Both halves of the properties were exercised, or the run proved nothing.
            Assert.True(report.Refused > 0 && report.DistinctAcceptedOutputs > 0, report.ToString());
        }

        [Fact]
        public void EveryCorpusProfileHasItsExpectedOutcomeAndAllFuzzProperties()
        {
            string folder = Path.Combine(GeneratorHarness.RepoRoot(), "tests", "RouterGen.Generator.Tests", "FuzzCorpus");
            string[] files = Directory.GetFiles(folder, "*.router.json").OrderBy(f => f, StringComparer.Ordinal).ToArray();
            Assert.True(files.Length >= 30, $"only {files.Length} corpus files in {folder}");
            var inputs = new List<FuzzInput>();
            foreach (string file in files)
            {
                string text = File.ReadAllText(file);
                inputs.Add(new FuzzInput("/project/corpus/" + Path.GetFileName(file), text, "corpus " + Path.GetFileName(file)));
                if (Expected(file) == "accepted")
                {
                    // The same profile under a file name carrying a line break and doc markup: it reaches comments and docs.
                    inputs.Add(new FuzzInput(HostilePath.Replace("evil", Path.GetFileNameWithoutExtension(file), StringComparison.Ordinal), text, "corpus (hostile path) " + Path.GetFileName(file)));
                }
            }

            FuzzReport report = ProfileFuzzChecks.Run(inputs);
            _output.WriteLine(report.ToString());
            Assert.True(report.Failures.Count == 0, report + "\n" + string.Join("\n", report.Failures));
            foreach (FuzzInput input in inputs)
            {
                string expected = Expected(input.Path);
                string outcome = report.Outcomes[input.Path];
                Assert.True(expected == "accepted" ? outcome == "accepted" : outcome.Split(',').Contains(expected), $"{input.Origin}: expected {expected}, got {outcome}");
            }
        }

        [Fact]
        public void EveryCorpusPairRefusesTheSecondProfileAndGeneratesTheFirst()
        {
            string folder = Path.Combine(GeneratorHarness.RepoRoot(), "tests", "RouterGen.Generator.Tests", "FuzzCorpus", "pairs");
            string[] pairs = Directory.GetDirectories(folder).OrderBy(f => f, StringComparer.Ordinal).ToArray();
            Assert.NotEmpty(pairs);
            foreach (string pair in pairs)
            {
                string first = File.ReadAllText(Path.Combine(pair, "a.router.json"));
                string second = File.ReadAllText(Path.Combine(pair, "b.router.json"));
                string nameValue = "\"" + System.Text.Json.JsonDocument.Parse(second).RootElement.GetProperty("name").GetString() + "\"";
                Diagnostic diagnostic = DiagnosticTests.AssertSecondProfileRefused(first, second, Expected(pair), nameValue);
                _output.WriteLine($"{Path.GetFileName(pair)}: {diagnostic}");
            }
        }

        private static IEnumerable<(string Name, string Text)> SeedProfiles()
        {
            IEnumerable<string> shipped = GeneratedRouters.RepositoryProfiles();
            IEnumerable<string> fixtures = new[] { "tiny.router.json", "onnx.router.json", "tiny-linear.router.json", "tiny-soft.router.json", "tiny-half.router.json", "tiny-int8.router.json" }.Select(GeneratorHarness.FixturePath);
            return shipped.Concat(fixtures).Select(f => (Path.GetFileName(f).Replace(".router.json", "", StringComparison.Ordinal), File.ReadAllText(f)));
        }

        // "RG0016__name-keyword-class.router.json" expects RG0016; "accepted__....router.json" expects a router.
        private static string Expected(string path)
        {
            string name = Path.GetFileName(path.Replace('\n', ' '));
            int separator = name.IndexOf("__", StringComparison.Ordinal);
            return separator < 0 ? "accepted" : name.Substring(0, separator);
        }

        private static int? EnvironmentInt(string name) =>
            int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;
    }
}
