using System;
using System.IO;
using System.Linq;
using System.Text;
using Xunit;

namespace RouterGen.Generator.Tests
{
    /// <summary>
    /// Generated code is compared byte for byte with checked-in baselines. Set ROUTERGEN_UPDATE_BASELINES=1 to rewrite
    /// them after an intended change, then review the diff like any other code change.
    /// </summary>
    public sealed class SnapshotTests
    {
        private static readonly bool UpdateBaselines = Environment.GetEnvironmentVariable("ROUTERGEN_UPDATE_BASELINES") == "1";

        [Fact]
        public void TinyProfileMatchesBaseline() =>
            AssertMatchesBaseline(GeneratorHarness.Fixture("tiny.router.json"), "Fixtures.TinyRouter.g.cs");

        [Fact]
        public void OnnxProfileWithoutNamespaceUsesRootNamespaceAndMatchesBaseline() =>
            AssertMatchesBaseline(GeneratorHarness.Fixture("onnx.router.json"), "TestProject.OnnxRouter.g.cs");

        [Fact]
        public void LinearEstimatorProfileMatchesBaseline() =>
            AssertMatchesBaseline(GeneratorHarness.Fixture("tiny-linear.router.json"), "Fixtures.TinyLinearRouter.g.cs");

        [Fact]
        public void SoftClusterProfileMatchesBaseline() =>
            AssertMatchesBaseline(GeneratorHarness.Fixture("tiny-soft.router.json"), "Fixtures.TinySoftRouter.g.cs");

        [Fact]
        public void HalfPrecisionProfileMatchesBaseline() =>
            AssertMatchesBaseline(GeneratorHarness.Fixture("tiny-half.router.json"), "Fixtures.TinyHalfRouter.g.cs");

        [Fact]
        public void Int8ProfileMatchesBaseline() =>
            AssertMatchesBaseline(GeneratorHarness.Fixture("tiny-int8.router.json"), "Fixtures.TinyInt8Router.g.cs");

        [Fact]
        public void RepositoryProfilesMatchBaselines()
        {
            // Every profile shipped in profiles/ is snapshotted, so a profile refit shows up as a reviewed code diff here too.
            string[] files = Directory.GetFiles(Path.Combine(GeneratorHarness.RepoRoot(), "profiles"), "*.router.json").OrderBy(f => f, StringComparer.Ordinal).ToArray();
            Assert.NotEmpty(files);
            foreach (string file in files)
            {
                var text = new InMemoryAdditionalText(file, File.ReadAllText(file));
                GeneratorOutcome outcome = GeneratorHarness.Run(text);
                Assert.Empty(outcome.GeneratorDiagnostics);
                GeneratedHint hint = Assert.Single(outcome.Sources.Select(s => new GeneratedHint(s.HintName)));
                AssertMatchesBaseline(text, hint.Name);
            }
        }

        [Fact]
        public void GeneratesExactlyOneFilePerValidProfile()
        {
            GeneratorOutcome outcome = GeneratorHarness.Run(
                GeneratorHarness.Fixture("tiny.router.json"),
                GeneratorHarness.Fixture("onnx.router.json"),
                new InMemoryAdditionalText("/project/notes.json", "{ \"not\": \"a profile\" }"),
                new InMemoryAdditionalText("/project/broken.router.json", "{ nope"));
            Assert.Equal(
                new[] { "Fixtures.TinyRouter.g.cs", "TestProject.OnnxRouter.g.cs" },
                outcome.Sources.Select(s => s.HintName).OrderBy(h => h, StringComparer.Ordinal).ToArray());
            Assert.Equal("RG0001", Assert.Single(outcome.GeneratorDiagnostics).Id);
        }

        [Fact]
        public void SameDataInAnotherJsonLayoutAndKeyOrderGeneratesIdenticalBytes()
        {
            string pretty = GeneratorHarness.Run(GeneratorHarness.Fixture("tiny.router.json")).SourceText("Fixtures.TinyRouter.g.cs");
            string reordered = GeneratorHarness.Run(new InMemoryAdditionalText(
                GeneratorHarness.FixturePath("tiny.router.json"),
                File.ReadAllText(GeneratorHarness.FixturePath("tiny-reordered.router.json.txt")))).SourceText("Fixtures.TinyRouter.g.cs");
            Assert.Equal(pretty, reordered);
            Assert.Contains("public static partial class TinyRouter", pretty, StringComparison.Ordinal);
        }

        [Fact]
        public void GeneratedCodeCompilesWithoutWarnings()
        {
            GeneratorOutcome outcome = GeneratorHarness.Run(GeneratorHarness.Fixture("tiny.router.json"), GeneratorHarness.Fixture("onnx.router.json"));
            Assert.Empty(outcome.CompileProblems());
        }

        [Fact]
        public void LabelsWithQuotesLineBreaksAndSeparatorsSurviveIntoGeneratedCode()
        {
            const string label = "say \"hi\"\\ then\nnewline\u2028sep\u0085nel\ttab 🚀 <xml> // not a comment */";
            var profile = RouterGen.Profiles.ProfileWriter.ToJson(RandomProfile(label));
            RouterPair pair = GeneratedRouters.Compile("Quoting", profile);
            var tables = (RouterGen.Routing.RouterTables)pair.GeneratedType.GetProperty("Tables")!.GetValue(null)!;
            Assert.Equal(label, tables.ClusterLabels[0]);
            Assert.Equal(label, pair.Loaded.Tables.ClusterLabels[0]);
        }

        private static RouterGen.Profiles.ProfileDefinition RandomProfile(string label)
        {
            RouterGen.Profiles.ProfileDefinition profile = RouterGen.Profiles.ProfileReader.Read(GeneratedRouters.RandomProfileJson("Quoting", 2, 8, 2, seed: 3)).Profile!;
            profile.Clusters[0].Label = label;
            return profile;
        }

        private static void AssertMatchesBaseline(InMemoryAdditionalText profile, string hintName)
        {
            GeneratorOutcome outcome = GeneratorHarness.Run(profile);
            Assert.Empty(outcome.GeneratorDiagnostics);
            Assert.Empty(outcome.CompileProblems());
            string actual = outcome.SourceText(hintName);
            string baselinePath = Path.Combine(GeneratorHarness.RepoRoot(), "tests", "RouterGen.Generator.Tests", "Baselines", hintName + ".txt");
            if (UpdateBaselines)
            {
                File.WriteAllText(baselinePath, actual, new UTF8Encoding(false));
                return;
            }

            Assert.True(File.Exists(baselinePath), $"Missing baseline {baselinePath}; run the tests with ROUTERGEN_UPDATE_BASELINES=1 to create it.");
            string expected = File.ReadAllText(baselinePath);
            if (expected != actual)
            {
                int at = Enumerable.Range(0, Math.Min(expected.Length, actual.Length)).FirstOrDefault(i => expected[i] != actual[i], Math.Min(expected.Length, actual.Length));
                int line = expected.Take(at).Count(c => c == '\n') + 1;
                Assert.Fail($"Generated {hintName} differs from {baselinePath} at line {line}. If the change is intended, rerun with ROUTERGEN_UPDATE_BASELINES=1 and review the diff.");
            }
        }

        private readonly record struct GeneratedHint(string Name);
    }
}
