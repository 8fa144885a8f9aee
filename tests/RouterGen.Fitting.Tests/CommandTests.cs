using System;
using System.IO;
using System.Linq;
using RouterGen.Cli;
using RouterGen.Profiles;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Fitting.Tests
{
    public sealed class CommandTests
    {
        private static (int Code, string Output, string Error) Run(params string[] args)
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = Program.Run(args, output, error);
            return (code, output.ToString(), error.ToString());
        }

        [Theory]
        [InlineData("{\"id\": \"p2\", \"prompt\": \n", 2, "malformed JSON")]
        [InlineData("{\"id\": \"p2\", \"prompt\": \"x\", \"scores\": {\"model-0\": 1, \"model-1\": 0, \"model-2\": 1, \"nope\": 1}}\n", 2, "unknown model id \"nope\"")]
        [InlineData("{\"id\": \"p2\", \"prompt\": \"x\", \"scores\": {\"model-0\": 1, \"model-1\": 0}}\n", 2, "missing score")]
        [InlineData("{\"id\": \"p2\", \"prompt\": \"x\", \"scores\": {\"model-0\": NaN, \"model-1\": 0, \"model-2\": 1}}\n", 2, "NaN")]
        [InlineData("{\"id\": \"p0\", \"prompt\": \"x\", \"scores\": {\"model-0\": 1, \"model-1\": 0, \"model-2\": 1}}\n", 2, "duplicate prompt id")]
        [InlineData("BIG", 2, "the limit is 262,144")]
        public void FitOnBadInputFailsWithTheLineAndWritesNothing(string secondLine, int line, string expected)
        {
            string folder = TestData.NewFolder();
            RoutingDataset data = SyntheticRoutingData.Generate(1, models: 3, topics: 1, seed: 1);
            RoutingDatasetWriter.Write(data.WithModels(data.ModelIds()), folder);
            string routing = Path.Combine(folder, "routing.jsonl");
            string first = File.ReadAllLines(routing)[0];
            if (secondLine == "BIG")
            {
                secondLine = "{\"id\": \"big\", \"prompt\": \"" + new string('a', 1 << 20) + "\", \"scores\": {\"model-0\": 1, \"model-1\": 0, \"model-2\": 1}}\n";
            }

            // The synthetic row has costs; the bad rows do not, but every error below is found before costs are compared.
            File.WriteAllText(routing, first + "\n" + secondLine);
            string output = Path.Combine(folder, "out", "bad.router.json");
            (int code, _, string error) = Run("fit", "--data", folder, "--out", output, "--clusters", "2");
            Assert.Equal(1, code);
            Assert.Contains($"routing.jsonl({line})", error, StringComparison.Ordinal);
            Assert.Contains(expected, error, StringComparison.Ordinal);
            Assert.False(File.Exists(output));
            Assert.False(Directory.Exists(Path.Combine(folder, "out")) && Directory.EnumerateFileSystemEntries(Path.Combine(folder, "out")).Any());
        }

        [Fact]
        public void EmptyRoutingFileFailsClearly()
        {
            string folder = TestData.NewFolder();
            File.WriteAllText(Path.Combine(folder, "routing.jsonl"), "");
            File.WriteAllText(Path.Combine(folder, "models.json"), "[{\"id\": \"a\"}]");
            string output = Path.Combine(folder, "x.router.json");
            (int code, _, string error) = Run("fit", "--data", folder, "--out", output);
            Assert.Equal(1, code);
            Assert.Contains("no prompts", error, StringComparison.Ordinal);
            Assert.False(File.Exists(output));
        }

        [Fact]
        public void FitTwiceWithTheSameSeedWritesIdenticalBytes()
        {
            string folder = TestData.NewFolder();
            RoutingDatasetWriter.Write(SyntheticRoutingData.Generate(150, models: 3, topics: 3, seed: 9), folder);
            string a = Path.Combine(folder, "a.router.json");
            string b = Path.Combine(folder, "b.router.json");
            Assert.Equal(0, Run("fit", "--data", folder, "--out", a, "--name", "Synthetic", "--cv-folds", "3").Code);
            Assert.Equal(0, Run("fit", "--data", folder, "--out", b, "--name", "Synthetic", "--cv-folds", "3").Code);
            Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        }

        [Fact]
        public void EvalWritesReportAndPlotAndCalibrateAddsAModel()
        {
            string folder = TestData.NewFolder();
            RoutingDataset data = SyntheticRoutingData.Generate(240, models: 4, topics: 4, seed: 10);
            RoutingDatasetWriter.Write(data, folder);
            string report = Path.Combine(folder, "report.json");
            string plot = Path.Combine(folder, "plot.svg");
            (int code, string output, string error) = Run("eval", "--data", folder, "--folds", "3", "--seeds", "1", "--bootstrap", "50", "--report", report, "--plot", plot);
            Assert.True(code == 0, error);
            Assert.Contains("HyDRA regimes", output, StringComparison.Ordinal);
            Assert.Contains("\"frontierNowhereBelowSingles\"", File.ReadAllText(report), StringComparison.Ordinal);
            Assert.StartsWith("<svg", File.ReadAllText(plot).TrimStart(), StringComparison.Ordinal);

            string pool = Path.Combine(folder, "pool");
            RoutingDatasetWriter.Write(data.WithModels(new[] { "model-0", "model-1", "model-2" }), pool);
            string profile = Path.Combine(folder, "p.router.json");
            Assert.Equal(0, Run("fit", "--data", pool, "--out", profile, "--clusters", "4", "--cv-folds", "3").Code);
            string added = Path.Combine(folder, "added");
            RoutingDatasetWriter.Write(data.WithModels(new[] { "model-3" }), added);
            (code, output, error) = Run("calibrate", "--profile", profile, "--data", added);
            Assert.True(code == 0, error);
            Assert.Contains("Added: model-3", output, StringComparison.Ordinal);
            Assert.Equal(4, RouterProfile.Load(profile).Tables.ModelCount);
        }

        [RequiresSharedDataFact]
        public void RealSubsetFitsEvaluatesAndRoutesEndToEnd()
        {
            string shared = TestData.SharedData()!;
            RoutingDataset all = RoutingDatasetReader.ReadFolder(Path.Combine(shared, "swebench-verified"));
            RoutingDataset pool = all.WithModels(new[] { "claude-4.5-opus-medium", "gemini-3-pro-preview", "claude-4.5-sonnet" });
            int[] keep = Enumerable.Range(0, 150).ToArray();
            var subset = new RoutingDataset(
                "swebench-subset",
                pool.Models,
                keep.Select(p => pool.Prompts[p]).ToArray(),
                keep.SelectMany(p => pool.ScoresOf(p).ToArray()).ToArray(),
                keep.SelectMany(p => pool.CostsOf(p).ToArray()).ToArray(),
                pool.CostIsEstimate.ToArray());
            string folder = TestData.NewFolder();
            RoutingDatasetWriter.Write(subset, folder);

            string profilePath = Path.Combine(folder, "subset.router.json");
            (int code, _, string error) = Run("fit", "--data", folder, "--out", profilePath, "--name", "SubsetRouter", "--cv-folds", "3");
            Assert.True(code == 0, error);
            (code, string output, error) = Run("eval", "--data", folder, "--folds", "3", "--seeds", "1", "--bootstrap", "50");
            Assert.True(code == 0, error);
            Assert.Contains("claude-4.5-opus-medium", output, StringComparison.Ordinal);

            RouterProfile profile = RouterProfile.Load(profilePath);
            Assert.Equal(3, profile.Tables.ModelCount);
            Assert.True(profile.Tables.TryGetPreset("within-3-points", out RoutingOptions cheap));
            IPromptRouter router = profile.CreatePromptRouter();
            RouteDecision decision = router.Route(subset.Prompts[0].Text, RoutingOptions.MaxQuality);
            Assert.Contains(decision.ModelId, subset.ModelIds());
            Assert.False(decision.IsFallback);
            RouteDecision saving = router.Route(subset.Prompts[0].Text, cheap);
            Assert.True(saving.ExpectedCostUsd <= decision.ExpectedCostUsd);
            Assert.Contains("cv3x1.max-quality.quality", profile.Definition.Provenance!.HeldOutMetrics.Keys);
        }

        private static string SmallDataFolder()
        {
            string folder = TestData.NewFolder();
            RoutingDatasetWriter.Write(SyntheticRoutingData.Generate(60, models: 3, topics: 2, seed: 4), folder);
            return folder;
        }

        // Progress lines may come first on stderr; the error itself is one line, with no stack trace.
        private static void AssertOneLineUserError(int code, string error, string expected)
        {
            Assert.Equal(1, code);
            string message = Assert.Single(error.Split('\n'), line => line.StartsWith("routergen ", StringComparison.Ordinal));
            Assert.Contains(expected, message, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        }

        [Fact]
        public void FitOnALoneSurrogateEscapeIsAOneLineUserErrorNamingFileLineAndField()
        {
            string folder = SmallDataFolder();
            string routing = Path.Combine(folder, "routing.jsonl");
            string[] lines = File.ReadAllLines(routing);
            lines[2] = lines[2].Replace("\"prompt\":\"", "\"prompt\":\"\\ud800", StringComparison.Ordinal);
            File.WriteAllLines(routing, lines);
            string output = Path.Combine(folder, "x.router.json");
            (int code, _, string error) = Run("fit", "--data", folder, "--out", output, "--clusters", "2");
            AssertOneLineUserError(code, error, "routing.jsonl(3): prompt: the value holds an escape that decodes to a lone UTF-16 surrogate");
            Assert.False(File.Exists(output));
        }

        [Theory]
        [InlineData(",,")]
        [InlineData(" , ")]
        public void FitWithAPoolOfNoIdsIsAOneLineUserError(string pool)
        {
            string folder = SmallDataFolder();
            (int code, _, string error) = Run("fit", "--data", folder, "--out", Path.Combine(folder, "x.router.json"), "--pool", pool);
            AssertOneLineUserError(code, error, "--pool \"" + pool + "\": names no model ids");
        }

        [Theory]
        [InlineData("", "is empty")]
        [InlineData("FOLDER", "is a folder")]
        [InlineData("FOLDER/routing.jsonl/x.router.json", "is a file, not a folder")]
        public void FitWithAnUnusableOutIsAOneLineUserErrorBeforeAnyWork(string output, string expected)
        {
            string folder = SmallDataFolder();
            output = output.Replace("FOLDER", folder, StringComparison.Ordinal);
            (int code, _, string error) = Run("fit", "--data", folder, "--out", output);
            AssertOneLineUserError(code, error, expected);
            Assert.Equal(["models.json", "routing.jsonl"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }

        [Fact]
        public void FitWithAReportUnderAFileWritesNoProfile()
        {
            string folder = SmallDataFolder();
            string profile = Path.Combine(folder, "x.router.json");
            (int code, _, string error) = Run("fit", "--data", folder, "--out", profile, "--report", Path.Combine(folder, "models.json", "report.json"), "--clusters", "2");
            AssertOneLineUserError(code, error, "--report");
            Assert.False(File.Exists(profile));
        }

        [RequiresProcFact]
        public void FitWithAReportIntoAnUnwritableFolderWritesNoProfile()
        {
            // /proc refuses new entries even to root, so this fails at write time, after the fit.
            string folder = SmallDataFolder();
            string profile = Path.Combine(folder, "x.router.json");
            (int code, _, string error) = Run("fit", "--data", folder, "--out", profile, "--report", "/proc/routergen-unwritable/report.json", "--clusters", "2", "--cv-folds", "2");
            AssertOneLineUserError(code, error, "--report /proc/routergen-unwritable/report.json: cannot write");
            Assert.False(File.Exists(profile));
            Assert.Equal(["models.json", "routing.jsonl"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }

        [Theory]
        [InlineData(1, "--cv-folds", "2")]
        [InlineData(2, "--cv-folds", "5")]
        [InlineData(3, "--cv-folds", "2")]
        public void FitOnTooFewPromptsToCrossValidateIsAOneLineUserError(int prompts, string option, string value)
        {
            // Found by the data fuzzer: a fold fitting on one prompt left its inner selection nothing to cluster (exit 2).
            string folder = TestData.NewFolder();
            RoutingDatasetWriter.Write(SyntheticRoutingData.Generate(prompts, models: 3, topics: 1, seed: 2), folder);
            string profile = Path.Combine(folder, "x.router.json");
            (int code, _, string error) = Run("fit", "--data", folder, "--out", profile, "--clusters", "2", option, value);
            AssertOneLineUserError(code, error, "too few to cross-validate; give at least 4");
            Assert.False(File.Exists(profile));
        }
    }
}
