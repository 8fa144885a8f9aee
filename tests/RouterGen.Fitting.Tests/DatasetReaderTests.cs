using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Xunit;

namespace RouterGen.Fitting.Tests
{
    public sealed class DatasetReaderTests
    {
        private const string Models = "[\n {\"id\": \"a\", \"inputPricePerMTok\": 1, \"outputPricePerMTok\": 2},\n {\"id\": \"b\"}\n]\n";
        private const string Good = "{\"id\": \"p1\", \"prompt\": \"fix the parser\", \"scores\": {\"a\": 1, \"b\": 0}, \"costs\": {\"a\": 0.5, \"b\": 0.1}}";

        private static DatasetException ReadFails(string routing, string models = Models)
        {
            string folder = TestData.NewFolder();
            File.WriteAllText(Path.Combine(folder, "routing.jsonl"), routing);
            File.WriteAllText(Path.Combine(folder, "models.json"), models);
            return Assert.Throws<DatasetException>(() => RoutingDatasetReader.ReadFolder(folder));
        }

        [Fact]
        public void ReadsScoresCostsAndOptionalFields()
        {
            string folder = TestData.NewFolder();
            File.WriteAllText(Path.Combine(folder, "routing.jsonl"), Good + "\n\n{\"id\": \"p2\", \"prompt\": \"x\", \"group\": \"g\", \"split\": \"test\", \"scores\": {\"a\": 0.25, \"b\": 1}, \"costs\": {\"a\": 0.2, \"b\": 0.3}}\n");
            File.WriteAllText(Path.Combine(folder, "models.json"), Models);
            RoutingDataset data = RoutingDatasetReader.ReadFolder(folder);
            Assert.Equal(2, data.PromptCount);
            Assert.Equal(3, data.Prompts[1].Line);
            Assert.Equal("test", data.Prompts[1].Split);
            Assert.Equal(0.25, data.Score(1, 0));
            Assert.Equal(0.3, data.CostUsd(1, 1));
            Assert.False(data.CostIsEstimate[0]);
            Assert.Equal(new[] { 1 }, data.IndicesOfSplit("test"));
        }

        [Fact]
        public void EstimatesCostsFromPricesWhenNoneAreGivenAndFlagsThem()
        {
            string folder = TestData.NewFolder();
            File.WriteAllText(Path.Combine(folder, "routing.jsonl"), "{\"id\": \"p1\", \"prompt\": \"" + new string('x', 400) + "\", \"scores\": {\"a\": 1, \"b\": 0}}\n");
            File.WriteAllText(Path.Combine(folder, "models.json"), Models);
            RoutingDataset data = RoutingDatasetReader.ReadFolder(folder);
            Assert.True(data.CostIsEstimate[0]);
            // 400 chars / 4 = 100 input tokens at $1/MTok + 256 assumed output tokens at $2/MTok.
            Assert.Equal(((100 * 1.0) + (256 * 2.0)) / 1e6, data.CostUsd(0, 0), 12);
            Assert.Equal(0, data.CostUsd(0, 1));
        }

        [Fact]
        public void MalformedJsonLineNamesTheLine()
        {
            DatasetException e = ReadFails(Good + "\n" + Good.Replace("p1", "p2", StringComparison.Ordinal) + "\n{\"id\": \"p3\", \"prompt\": \n");
            Assert.Equal(3, e.Line);
            Assert.Contains("routing.jsonl(3)", e.Message, StringComparison.Ordinal);
            Assert.Contains("malformed JSON", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void UnknownModelIdNamesLineAndField()
        {
            DatasetException e = ReadFails(Good + "\n{\"id\": \"p2\", \"prompt\": \"x\", \"scores\": {\"a\": 1, \"b\": 0, \"zz\": 1}}\n");
            Assert.Equal(2, e.Line);
            Assert.Equal("scores.zz", e.Field);
            Assert.Contains("unknown model id \"zz\"", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void MissingScoreNamesLineAndModel()
        {
            DatasetException e = ReadFails(Good + "\n{\"id\": \"p2\", \"prompt\": \"x\", \"scores\": {\"a\": 1}, \"costs\": {\"a\": 0.5, \"b\": 0.1}}\n");
            Assert.Equal(2, e.Line);
            Assert.Equal("scores.b", e.Field);
            Assert.Contains("missing score", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void NaNLiteralIsRejectedWithAHint()
        {
            DatasetException e = ReadFails("{\"id\": \"p1\", \"prompt\": \"x\", \"scores\": {\"a\": NaN, \"b\": 0}}\n");
            Assert.Equal(1, e.Line);
            Assert.Contains("NaN and Infinity are not JSON numbers", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void NaNStringAndOutOfRangeScoresAreRejected()
        {
            DatasetException text = ReadFails("{\"id\": \"p1\", \"prompt\": \"x\", \"scores\": {\"a\": \"NaN\", \"b\": 0}}\n");
            Assert.Equal("scores.a", text.Field);
            Assert.Contains("expected a number", text.Message, StringComparison.Ordinal);
            DatasetException range = ReadFails("{\"id\": \"p1\", \"prompt\": \"x\", \"scores\": {\"a\": 1.5, \"b\": 0}}\n");
            Assert.Contains("[0, 1]", range.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void EmptyFileIsRejected()
        {
            DatasetException e = ReadFails("");
            Assert.Contains("no prompts", e.Message, StringComparison.Ordinal);
            Assert.Contains("routing.jsonl", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void DuplicatePromptIdNamesBothLines()
        {
            DatasetException e = ReadFails(Good + "\n" + Good + "\n");
            Assert.Equal(2, e.Line);
            Assert.Contains("duplicate prompt id \"p1\" (first on line 1)", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void DuplicateModelIdNamesItsLineInModelsJson()
        {
            DatasetException e = ReadFails(Good + "\n", "[\n {\"id\": \"a\"},\n {\"id\": \"b\"},\n {\"id\": \"a\"}\n]");
            Assert.Equal(4, e.Line);
            Assert.Contains("models.json(4)", e.Message, StringComparison.Ordinal);
            Assert.Contains("duplicate model id \"a\" (first listed on line 2)", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void OneMegabytePromptIsRefusedQuicklyWithItsLine()
        {
            string huge = new('w', 1 << 20);
            var clock = Stopwatch.StartNew();
            DatasetException e = ReadFails(Good + "\n{\"id\": \"big\", \"prompt\": \"" + huge + "\", \"scores\": {\"a\": 1, \"b\": 0}}\n");
            Assert.Equal(2, e.Line);
            Assert.Equal("prompt", e.Field);
            Assert.Contains("1,048,576 characters; the limit is 262,144", e.Message, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "reading a 1 MB line must not hang");
        }

        [Fact]
        public void OneMegabytePromptIsAcceptedWhenTheLimitIsRaised()
        {
            string folder = TestData.NewFolder();
            File.WriteAllText(Path.Combine(folder, "routing.jsonl"), "{\"id\": \"big\", \"prompt\": \"" + new string('w', 1 << 20) + "\", \"scores\": {\"a\": 1, \"b\": 0}}\n");
            File.WriteAllText(Path.Combine(folder, "models.json"), Models);
            RoutingDataset data = RoutingDatasetReader.ReadFolder(folder, new DatasetReadOptions { MaxPromptChars = 2 << 20 });
            Assert.Equal(1 << 20, data.Prompts[0].Text.Length);
        }

        [Fact]
        public void CostsGivenForSomeLinesOnlyAreRejected()
        {
            DatasetException e = ReadFails(Good + "\n{\"id\": \"p2\", \"prompt\": \"x\", \"scores\": {\"a\": 1, \"b\": 0}}\n");
            Assert.Equal(2, e.Line);
            Assert.Equal("costs.a", e.Field);
        }

        [Fact]
        public void PoolSelectsAndOrdersModelsAndSkipsOthers()
        {
            string folder = TestData.NewFolder();
            File.WriteAllText(Path.Combine(folder, "routing.jsonl"), Good + "\n");
            File.WriteAllText(Path.Combine(folder, "models.json"), Models);
            RoutingDataset data = RoutingDatasetReader.ReadFolder(folder, new DatasetReadOptions { ModelPool = new[] { "b" } });
            Assert.Equal(new[] { "b" }, data.ModelIds());
            Assert.Equal(0.1, data.CostUsd(0, 0));
            Assert.Throws<DatasetException>(() => RoutingDatasetReader.ReadFolder(folder, new DatasetReadOptions { ModelPool = new[] { "nope" } }));
        }

        [Fact]
        public void SyntheticDataRoundTripsThroughTheCanonicalLayout()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(50, models: 3, topics: 2, seed: 5);
            string folder = TestData.NewFolder();
            RoutingDatasetWriter.Write(data, folder);
            RoutingDataset read = RoutingDatasetReader.ReadFolder(folder);
            Assert.Equal(data.ModelIds(), read.ModelIds());
            Assert.Equal(data.Prompts.Select(p => p.Text), read.Prompts.Select(p => p.Text));
            for (int p = 0; p < data.PromptCount; p++)
            {
                for (int m = 0; m < data.ModelCount; m++)
                {
                    Assert.Equal(data.Score(p, m), read.Score(p, m));
                    Assert.Equal(data.CostUsd(p, m), read.CostUsd(p, m));
                }
            }
        }

        private static void AssertRefusal(DatasetException e, int line, string? field, string problem)
        {
            Assert.Equal(line, e.Line);
            Assert.Equal(field, e.Field);
            Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
            Assert.StartsWith($"{e.File}({line}): {(field is null ? "" : field + ": ")}", e.Message, StringComparison.Ordinal);
        }

        private static DatasetException ReadBytesFails(byte[] routing, byte[] models)
        {
            string folder = TestData.NewFolder();
            File.WriteAllBytes(Path.Combine(folder, "routing.jsonl"), routing);
            File.WriteAllBytes(Path.Combine(folder, "models.json"), models);
            return Assert.Throws<DatasetException>(() => RoutingDatasetReader.ReadFolder(folder));
        }

        [Theory]
        [InlineData("{\"id\": \"p2\", \"prompt\": \"fix \\ud800 it\", \"scores\": {\"a\": 1, \"b\": 0}}", "prompt")]
        [InlineData("{\"id\": \"p2\", \"prompt\": \"x\", \"scores\": {\"a\": 1, \"b\": 0}, \"group\": \"\\udfff\"}", "group")]
        [InlineData("{\"id\": \"p2\", \"prompt\": \"x\", \"scores\": {\"a\": 1, \"b\": 0, \"\\ud800\": 1}}", "scores")]
        [InlineData("{\"id\": \"p2\", \"prompt\": \"x\", \"scores\": {\"a\": 1, \"b\": 0}, \"notes\": [\"\\ud800\"]}", "notes[0]")]
        public void LoneSurrogateEscapeInRoutingIsRefusedWithLineAndField(string secondLine, string field)
        {
            DatasetException e = ReadFails(Good.Replace("\"costs\": {\"a\": 0.5, \"b\": 0.1}", "\"x\": 0", StringComparison.Ordinal) + "\n" + secondLine + "\n");
            Assert.EndsWith("routing.jsonl", e.File, StringComparison.Ordinal);
            AssertRefusal(e, 2, field, "lone UTF-16 surrogate");
        }

        [Fact]
        public void LoneSurrogateEscapeInModelsJsonIsRefusedWithLineAndField()
        {
            DatasetException e = ReadFails(Good + "\n", "[\n {\"id\": \"a\"},\n {\"id\": \"b\", \"displayName\": \"B \\ud83d\"}\n]\n");
            Assert.EndsWith("models.json", e.File, StringComparison.Ordinal);
            AssertRefusal(e, 3, "[1].displayName", "lone UTF-16 surrogate");
        }

        [Fact]
        public void InvalidUtf8InRoutingIsRefusedWithLineAndField()
        {
            byte[] bad = [.. Encoding.UTF8.GetBytes(Good + "\n{\"id\": \"p2\", \"prompt\": \"caf"), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\", \"scores\": {\"a\": 1, \"b\": 0}, \"costs\": {\"a\": 0.5, \"b\": 0.1}}\n")];
            DatasetException e = ReadBytesFails(bad, Encoding.UTF8.GetBytes(Models));
            AssertRefusal(e, 2, "prompt", "not valid UTF-8");
        }

        [Fact]
        public void InvalidUtf8InModelsJsonIsRefusedWithLineAndField()
        {
            byte[] models = [.. Encoding.UTF8.GetBytes("[\n {\"id\": \"a\"},\n {\"id\": \"b"), 0xFF, .. Encoding.UTF8.GetBytes("\"}\n]\n")];
            DatasetException e = ReadBytesFails(Encoding.UTF8.GetBytes(Good + "\n"), models);
            AssertRefusal(e, 3, "[1].id", "not valid UTF-8");
        }

        [Theory]
        [InlineData("{\"id\": \"p2\", \"prompt\": \"x\", \"prompt\": \"y\", \"scores\": {\"a\": 1, \"b\": 0}}", "prompt")]
        [InlineData("{\"id\": \"p2\", \"prompt\": \"x\", \"scores\": {\"a\": 1, \"b\": 0, \"a\": 0}}", "scores.a")]
        public void DuplicateKeyInARoutingLineIsRefusedWithLineAndField(string secondLine, string field)
        {
            DatasetException e = ReadFails(Good + "\n" + secondLine + "\n");
            AssertRefusal(e, 2, field, "duplicate key");
        }

        [Fact]
        public void DuplicateKeyInModelsJsonIsRefusedWithLineAndField()
        {
            DatasetException e = ReadFails(Good + "\n", "[\n {\"id\": \"a\"},\n {\"id\": \"b\",\n  \"id\": \"c\"}\n]\n");
            AssertRefusal(e, 4, "[1].id", "first on line 3");
        }

        [Fact]
        public void ModelsJsonLinesAreRightForTheLastOfFiftyThousandEntries()
        {
            // The line of every entry is counted in one pass; this size took 50 s when each line was counted from the start.
            var models = new StringBuilder("[\n");
            for (int i = 0; i < 50_000; i++)
            {
                models.Append(CultureInfo.InvariantCulture, $" {{\"id\": \"m{i}\"}},\n");
            }

            models.Append(" {\"id\": \"m0\"}\n]\n");
            DatasetException e = ReadFails(Good + "\n", models.ToString());
            AssertRefusal(e, 50_002, "[50000].id", "duplicate model id \"m0\" (first listed on line 2)");
        }

        [Fact]
        public void ByteOrderMarksAndCrLfLineEndsAreRead()
        {
            string folder = TestData.NewFolder();
            File.WriteAllText(Path.Combine(folder, "routing.jsonl"), Good + "\r\n" + Good.Replace("p1", "p2", StringComparison.Ordinal) + "\r\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
            File.WriteAllText(Path.Combine(folder, "models.json"), Models, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
            RoutingDataset data = RoutingDatasetReader.ReadFolder(folder);
            Assert.Equal(["p1", "p2"], data.Prompts.Select(p => p.Id));
            Assert.Equal("fix the parser", data.Prompts[1].Text);
        }

        [Fact]
        public void ALineLongerThanAnyAcceptablePromptIsRefusedWithoutReadingItWhole()
        {
            string folder = TestData.NewFolder();
            File.WriteAllText(Path.Combine(folder, "routing.jsonl"), Good + "\n{\"id\": \"p2\", \"prompt\": \"" + new string('a', 17 << 20) + "\"}\n" + Good.Replace("p1", "p3", StringComparison.Ordinal) + "\n");
            File.WriteAllText(Path.Combine(folder, "models.json"), Models);
            DatasetException e = Assert.Throws<DatasetException>(() => RoutingDatasetReader.ReadFolder(folder, new DatasetReadOptions { MaxPromptChars = 20 }));
            AssertRefusal(e, 2, null, "the line is longer than");
        }
    }
}
