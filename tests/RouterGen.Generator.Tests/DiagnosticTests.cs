using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Xunit;

namespace RouterGen.Generator.Tests
{
    /// <summary>
    /// One test per kind of bad profile: each must produce its stable diagnostic id, located at the offending text in the
    /// profile file, generate nothing for that profile, and never crash the generator.
    /// </summary>
    public sealed class DiagnosticTests
    {
        internal const string ProfilePath = "/project/Routing/tiny.router.json";

        [Fact]
        public void MalformedJsonIsRG0001AtTheFault()
        {
            string text = "{\n  \"formatVersion\": 1,\n  \"name\": \"Broken\"\n  \"models\": []\n}";
            AssertSingle(text, "RG0001", line: 4, column: 3);
        }

        [Fact]
        public void EmptyFileIsRG0001() => AssertSingle("", "RG0001", line: 1, column: 1);

        [Fact]
        public void MissingFieldIsRG0002() =>
            AssertReported(Mutate(p => p.Remove("fallback")), "RG0002", "{", message: "\"fallback\"");

        [Fact]
        public void UnknownFieldIsRG0003AtItsName() =>
            AssertReported(Mutate(p => p["colour"] = "blue"), "RG0003", "\"colour\"");

        [Fact]
        public void MistypedFieldIsRG0004AtItsValue() =>
            AssertReported(Mutate(p => p["embedder"]!["dimension"] = "eight"), "RG0004", "\"eight\"", message: "embedder.dimension");

        [Fact]
        public void UnsupportedFormatVersionIsRG0005() =>
            AssertSingle(Mutate(p => p["formatVersion"] = 3), "RG0005", "3,", message: "formatVersion 3");

        [Fact]
        public void EstimatorInAVersion1ProfileIsRG0016() =>
            AssertReported(MutateLinear(p => p["formatVersion"] = 1), "RG0016", message: "estimator needs formatVersion 2");

        [Fact]
        public void HeadWeightsOfAnotherLengthThanTheDimensionAreRG0006() =>
            AssertReported(MutateLinear(p => p["estimator"]!["heads"]!["mid-general"]!["weights"]!.AsArray().RemoveAt(0)), "RG0006", message: "estimator.heads[\"mid-general\"].weights has 7 numbers but embedder.dimension is 8");

        [Fact]
        public void NaNInHeadWeightsIsRG0007AtTheNumber()
        {
            string text = MutateLinear(p => p["estimator"]!["heads"]!["strong-large"]!["weights"]![5] = 123456.5).Replace("123456.5", "NaN", StringComparison.Ordinal);
            AssertReported(text, "RG0007", "NaN", message: "estimator.heads[\"strong-large\"].weights[5]");
        }

        [Fact]
        public void InfiniteBiasIsRG0007()
        {
            string text = MutateLinear(p => p["estimator"]!["heads"]!["cheap-small"]!["bias"] = 765432.5).Replace("765432.5", "-Infinity", StringComparison.Ordinal);
            AssertReported(text, "RG0007", "-Infinity", message: "estimator.heads[\"cheap-small\"].bias");
        }

        [Fact]
        public void MissingCalibrationIsRG0002() =>
            AssertReported(MutateLinear(p => p["estimator"]!["heads"]!["cheap-small"]!.AsObject().Remove("calibration")), "RG0002", message: "\"calibration\" in estimator.heads[\"cheap-small\"]");

        [Fact]
        public void MissingPlattScaleIsRG0002() =>
            AssertReported(MutateLinear(p => p["estimator"]!["heads"]!["cheap-small"]!["calibration"]!.AsObject().Remove("scale")), "RG0002", message: "\"scale\"");

        [Fact]
        public void UnknownCalibrationMethodIsRG0016() =>
            AssertReported(MutateLinear(p => p["estimator"]!["heads"]!["mid-general"]!["calibration"]!["method"] = "beta"), "RG0016", "\"beta\"", message: "expected \"platt\"");

        private static void Isotonic(JsonObject profile, string model, JsonArray logits, JsonArray qualities, double? plattScale = null)
        {
            var calibration = new JsonObject { ["method"] = "isotonic", ["logits"] = logits, ["qualities"] = qualities };
            if (plattScale is double scale)
            {
                calibration["scale"] = scale;
            }

            profile["estimator"]!["heads"]![model]!["calibration"] = calibration;
        }

        [Fact]
        public void IsotonicLogitsThatDoNotIncreaseAreRG0016AtThePoint() =>
            AssertReported(MutateLinear(p => Isotonic(p, "cheap-small", new JsonArray(-1.0, 0.5, 0.5), new JsonArray(0.1, 0.2, 0.3))), "RG0016", message: "estimator.heads[\"cheap-small\"].calibration.logits[2] is 0.5, not above logits[1] = 0.5");

        [Fact]
        public void IsotonicQualitiesThatDecreaseAreRG0016() =>
            AssertReported(MutateLinear(p => Isotonic(p, "cheap-small", new JsonArray(-1.0, 0.0, 1.0), new JsonArray(0.1, 0.4, 0.3))), "RG0016", message: "calibration.qualities[2] is 0.3, below qualities[1] = 0.4");

        [Fact]
        public void IsotonicQualityAboveOneIsRG0009() =>
            AssertReported(MutateLinear(p => Isotonic(p, "mid-general", new JsonArray(-1.0, 1.0), new JsonArray(0.5, 1.5))), "RG0009", message: "estimator.heads[\"mid-general\"].calibration.qualities[1] is 1.5");

        [Fact]
        public void IsotonicTablesOfUnequalLengthAreRG0016() =>
            AssertReported(MutateLinear(p => Isotonic(p, "cheap-small", new JsonArray(-1.0, 0.0, 1.0), new JsonArray(0.1, 0.2))), "RG0016", message: "calibration.qualities has 2 numbers but estimator.heads[\"cheap-small\"].calibration.logits has 3");

        [Fact]
        public void IsotonicTableOfOnePointIsRG0016() =>
            AssertReported(MutateLinear(p => Isotonic(p, "cheap-small", new JsonArray(0.0), new JsonArray(0.5))), "RG0016", message: "logits has 1 points; an isotonic table has 2 to 1024");

        [Fact]
        public void PlattScaleInAnIsotonicCalibrationIsRG0016() =>
            AssertReported(MutateLinear(p => Isotonic(p, "cheap-small", new JsonArray(-1.0, 1.0), new JsonArray(0.2, 0.6), plattScale: 2)), "RG0016", message: "calibration.scale is not allowed here: an isotonic calibration has logits and qualities");

        [Fact]
        public void HeadForAnUnknownModelIsRG0015() =>
            AssertReported(MutateLinear(p => p["estimator"]!["heads"]!["ghost-model"] = p["estimator"]!["heads"]!["cheap-small"]!.DeepClone()), "RG0015", "\"ghost-model\"");

        [Fact]
        public void MissingHeadIsRG0015() =>
            AssertReported(MutateLinear(p => p["estimator"]!["heads"]!.AsObject().Remove("strong-large")), "RG0015", message: "no head for model(s) strong-large");

        [Fact]
        public void UnknownEstimatorKindIsRG0016() =>
            AssertReported(MutateLinear(p => p["estimator"]!["kind"] = "forest"), "RG0016", "\"forest\"", message: "estimator.kind");

        [Fact]
        public void SoftClustersWithMoreTopClustersThanClustersIsRG0016() =>
            AssertReported(MutateLinear(p => p["estimator"] = new JsonObject { ["kind"] = "soft-clusters", ["topClusters"] = 4 }), "RG0016", message: "estimator.topClusters is 4; expected 2 to 3");

        [Fact]
        public void SoftClustersWithHeadsIsRG0016() =>
            AssertReported(MutateLinear(p => p["estimator"]!["kind"] = "soft-clusters"), "RG0016", message: "estimator.heads belongs to a \"linear\" estimator");

        [Fact]
        public void NegativeLowConfidenceMarginIsRG0016AtItsValue() =>
            AssertReported(MutateLinear(p => p["fallback"]!["lowConfidenceMargin"] = -0.25), "RG0016", "-0.25", message: "fallback.lowConfidenceMargin is -0.25; it is a gap between two estimated qualities, in [0, 1]");

        [Fact]
        public void LowConfidenceMarginAboveOneIsRG0016() =>
            AssertReported(MutateLinear(p => p["fallback"]!["lowConfidenceMargin"] = 1.5017), "RG0016", "1.5017", message: "fallback.lowConfidenceMargin is 1.5017");

        [Fact]
        public void NaNLowConfidenceMarginIsRG0007()
        {
            string text = MutateLinear(p => p["fallback"]!["lowConfidenceMargin"] = 0.123456).Replace("0.123456", "NaN", StringComparison.Ordinal);
            AssertReported(text, "RG0007", "NaN", message: "fallback.lowConfidenceMargin");
        }

        [Fact]
        public void LowConfidenceMarginInAVersion1ProfileIsRG0016() =>
            AssertReported(Mutate(p => p["fallback"]!["lowConfidenceMargin"] = 0.0517), "RG0016", "0.0517", message: "fallback.lowConfidenceMargin needs formatVersion 2 and an estimator; this profile says formatVersion 1");

        [Fact]
        public void LowConfidenceMarginOnAClusterOnlyVersion2ProfileIsRG0016() =>
            AssertReported(Mutate(p => { p["formatVersion"] = 2; p["fallback"]!["lowConfidenceMargin"] = 0.0517; }), "RG0016", "0.0517", message: "this profile has no estimator (a cluster-only profile)");

        [Fact]
        public void CentroidLengthOtherThanDimensionIsRG0006() =>
            AssertReported(Mutate(p => p["clusters"]![1]!["centroid"]!.AsArray().RemoveAt(0)), "RG0006", message: "clusters[1].centroid has 7 numbers but embedder.dimension is 8");

        [Fact]
        public void NaNInACentroidIsRG0007AtTheNumber()
        {
            string text = Mutate(p => p["clusters"]![2]!["centroid"]![3] = 123456.5).Replace("123456.5", "NaN", StringComparison.Ordinal);
            AssertReported(text, "RG0007", "NaN", message: "clusters[2].centroid[3]");
        }

        [Fact]
        public void InfinityInAStatisticIsRG0007()
        {
            string text = Mutate(p => p["clusters"]![0]!["stats"]!["mid-general"]!["costUsd"] = 987654.5).Replace("987654.5", "Infinity", StringComparison.Ordinal);
            AssertReported(text, "RG0007", "Infinity");
        }

        [Fact]
        public void DuplicateModelIdIsRG0008() =>
            AssertReported(Mutate(p => p["models"]![2]!["id"] = "cheap-small"), "RG0008", message: "duplicates models[0].id");

        [Fact]
        public void DuplicateClusterIdIsRG0008() =>
            AssertReported(Mutate(p => p["clusters"]![2]!["id"] = "c00"), "RG0008", message: "duplicates clusters[0].id");

        [Fact]
        public void QualityAboveOneIsRG0009() =>
            AssertReported(Mutate(p => p["clusters"]![1]!["stats"]!["strong-large"]!["quality"] = 1.25), "RG0009", "1.25");

        [Fact]
        public void NegativeCostIsRG0010() =>
            AssertReported(Mutate(p => p["models"]![0]!["costPerRequestUsd"] = -0.5), "RG0010", "-0.5");

        [Fact]
        public void NoClustersIsRG0011() =>
            AssertReported(Mutate(p => p["clusters"] = new JsonArray()), "RG0011", "[]", message: "clusters is empty");

        [Fact]
        public void NoModelsIsRG0011() =>
            AssertReported(Mutate(p => p["models"] = new JsonArray()), "RG0011", "[]", message: "models is empty");

        [Fact]
        public void FallbackModelNotInModelsIsRG0012() =>
            AssertReported(Mutate(p => p["fallback"]!["model"] = "gpt-99"), "RG0012", "\"gpt-99\"");

        [Fact]
        public void TwoProfilesGeneratingTheSameClassAreRG0013AndOnlyTheFirstIsGenerated()
        {
            string text = File.ReadAllText(GeneratorHarness.FixturePath("tiny.router.json"));
            AssertSecondProfileRefused(text, text, "RG0013", "\"TinyRouter\"");
        }

        /// <summary>
        /// Runs two profiles together; asserts the second alone is refused with <paramref name="id"/> at its
        /// <paramref name="nameValue"/>, the first is generated, the result compiles and the generator did not throw.
        /// </summary>
        internal static Diagnostic AssertSecondProfileRefused(string first, string second, string id, string nameValue)
        {
            GeneratorOutcome outcome = GeneratorHarness.Run(
                new InMemoryAdditionalText("/project/a/first.router.json", first),
                new InMemoryAdditionalText("/project/b/second.router.json", second));
            Assert.Null(outcome.Result.Results.Single().Exception);
            Diagnostic diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
            Assert.Equal(id, diagnostic.Id);
            Assert.Equal("/project/b/second.router.json", diagnostic.Location.GetLineSpan().Path);
            Assert.Equal(second.IndexOf(nameValue, StringComparison.Ordinal), diagnostic.Location.SourceSpan.Start);
            Assert.Single(outcome.Sources);
            Assert.Empty(outcome.CompileProblems());
            return diagnostic;
        }

        [Fact]
        public void MoreThan64ModelsIsRG0014()
        {
            string text = Mutate(p =>
            {
                var models = new JsonArray();
                for (int i = 0; i < 65; i++)
                {
                    models.Add(new JsonObject { ["id"] = $"m{i}", ["costPerRequestUsd"] = 0.01 });
                }

                p["models"] = models;
            });
            AssertReported(text, "RG0014", message: "at most 64");
        }

        [Fact]
        public void TooManyCentroidNumbersIsRG0014()
        {
            // 200 clusters x 8192 dimensions = 1.6 M numbers: caught from the counts, before any centroid is read.
            string text = Mutate(p =>
            {
                p["embedder"]!["dimension"] = 8192;
                var clusters = new JsonArray();
                for (int i = 0; i < 200; i++)
                {
                    clusters.Add(new JsonObject { ["id"] = $"c{i}", ["sampleCount"] = 1, ["centroid"] = new JsonArray(), ["stats"] = new JsonObject() });
                }

                p["clusters"] = clusters;
            });
            AssertReported(text, "RG0014", message: "compile sensibly");
        }

        [Fact]
        public void ClusterStatisticsForAnUnknownModelAreRG0015() =>
            AssertReported(Mutate(p => p["clusters"]![0]!["stats"]!["ghost-model"] = new JsonObject { ["quality"] = 0.5, ["costUsd"] = 0.1 }), "RG0015", "\"ghost-model\"");

        [Fact]
        public void ClusterStatisticsMissingAModelAreRG0015() =>
            AssertReported(Mutate(p => p["clusters"]![2]!["stats"]!.AsObject().Remove("mid-general")), "RG0015", message: "no statistics for model(s) mid-general");

        [Fact]
        public void RouterNameThatIsNotAnIdentifierIsRG0016() =>
            AssertReported(Mutate(p => p["name"] = "my-router"), "RG0016", "\"my-router\"");

        [Fact]
        public void StaleEmbedderIdentityIsRG0016() =>
            AssertReported(Mutate(p => p["embedder"]!["parameters"]!["seed"] = 7), "RG0016", message: "does not match");

        [Fact]
        public void ProblemsInSeveralFieldsAreAllReportedInFileOrder()
        {
            string text = Mutate(p =>
            {
                p["models"]![0]!["costPerRequestUsd"] = -1;
                p["fallback"]!["model"] = "nobody";
            });
            GeneratorOutcome outcome = GeneratorHarness.Run(new InMemoryAdditionalText(ProfilePath, text));
            Assert.Equal(new[] { "RG0010", "RG0012" }, outcome.GeneratorDiagnostics.Select(d => d.Id).ToArray());
            Assert.Empty(outcome.Sources);
        }

        internal static string Mutate(Action<JsonObject> change)
        {
            JsonObject profile = JsonNode.Parse(File.ReadAllText(GeneratorHarness.FixturePath("tiny.router.json")))!.AsObject();
            change(profile);
            return profile.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        }

        internal static string MutateLinear(Action<JsonObject> change)
        {
            JsonObject profile = JsonNode.Parse(File.ReadAllText(GeneratorHarness.FixturePath("tiny-linear.router.json")))!.AsObject();
            change(profile);
            return profile.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        }

        internal static Diagnostic AssertReported(string text, string id, string? at = null, string? message = null)
        {
            GeneratorOutcome outcome = GeneratorHarness.Run(new InMemoryAdditionalText(ProfilePath, text));
            Assert.DoesNotContain(outcome.GeneratorDiagnostics, d => d.Id == "RG0017");
            Assert.Empty(outcome.Sources);
            Diagnostic diagnostic = Assert.Single(outcome.GeneratorDiagnostics, d => d.Id == id);
            Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
            FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
            Assert.Equal(ProfilePath, span.Path);
            if (at != null)
            {
                int expected = text.IndexOf(at, StringComparison.Ordinal);
                Assert.True(expected >= 0, $"'{at}' not in the test profile");
                Assert.Equal(expected, diagnostic.Location.SourceSpan.Start);
                int line = text.Take(expected).Count(c => c == '\n');
                Assert.Equal(line, span.StartLinePosition.Line);
            }

            if (message != null)
            {
                Assert.Contains(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            }

            return diagnostic;
        }

        private static void AssertSingle(string text, string id, int line, int column)
        {
            GeneratorOutcome outcome = GeneratorHarness.Run(new InMemoryAdditionalText(ProfilePath, text));
            Diagnostic diagnostic = Assert.Single(outcome.GeneratorDiagnostics);
            Assert.Equal(id, diagnostic.Id);
            Assert.Equal(line - 1, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
            Assert.Equal(column - 1, diagnostic.Location.GetLineSpan().StartLinePosition.Character);
            Assert.Empty(outcome.Sources);
        }

        private static void AssertSingle(string text, string id, string at, string message)
        {
            Diagnostic diagnostic = AssertReported(text, id, at, message);
            Assert.Equal(id, diagnostic.Id);
        }
    }
}
