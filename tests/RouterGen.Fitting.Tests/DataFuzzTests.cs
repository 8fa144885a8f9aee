using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using RouterGen.Cli;
using RouterGen.Fuzzing;
using RouterGen.Routing;
using Xunit;
using Xunit.Abstractions;

namespace RouterGen.Fitting.Tests
{
    /// <summary>
    /// Seeded mutation fuzzing of routing.jsonl and models.json through the reader and the CLI in-process. Every mutant
    /// must be read or refused with a <see cref="DatasetException"/> naming its file, line and field; the CLI must answer
    /// it with exit 0 or a one-line user error (exit 1), never an escaped exception (exit 2); accepted mutants must fit
    /// or be refused cleanly. The default run is bounded for the suite (about 2,000 mutants, a few seconds here);
    /// ROUTERGEN_FUZZ_DATA=&lt;count&gt; runs more, ROUTERGEN_FUZZ_SEED changes the seed.
    /// </summary>
    public sealed class DataFuzzTests(ITestOutputHelper output)
    {
        private const int DefaultMutants = 2000;
        private const int DefaultFits = 6;

        // Refusals about a whole line or file rather than one field.
        private static readonly string[] FieldlessProblems =
            ["malformed JSON", "expected", "the line is longer", "contains no prompts", "lists no models", "file not found", "the value ", "a key "];

        private static readonly string[] KeyInsertions =
        [
            "\"id\":\"p0\",", "\"prompt\":\"dup\",", "\"scores\":{},", "\"scores\":{\"model-0\":1},", "\"costs\":null,", "\"costs\":{\"model-0\":\"x\"},",
            "\"split\":5,", "\"group\":[],", "\"id\":7,", "\"inputPricePerMTok\":-1,", "\"\\ud800\":1,", "\"id\":\"\\udfff\",", "\"model-0\":0.5,",
        ];

        private sealed class Outcomes
        {
            public int Accepted { get; set; }

            public int Fitted { get; set; }

            public int FitRefused { get; set; }

            public SortedDictionary<string, int> Refusals { get; } = new(StringComparer.Ordinal);

            public List<string> Failures { get; } = [];

            public void Refused(string problem)
            {
                // The problem's leading words, up to the first that quotes data: "duplicate key", "malformed JSON".
                string kind = string.Join(' ', problem.Split(' ').TakeWhile(w => !w.Any(c => c is '"' or '\'' or ':' || char.IsAsciiDigit(c))).Take(4));
                Refusals[kind] = Refusals.GetValueOrDefault(kind) + 1;
            }
        }

        private static (byte[] Routing, byte[] Models) BaseData(string folder)
        {
            RoutingDatasetWriter.Write(SyntheticRoutingData.Generate(12, models: 3, topics: 2, seed: 7, wordsPerPrompt: 12), folder);
            return (File.ReadAllBytes(Path.Combine(folder, "routing.jsonl")), File.ReadAllBytes(Path.Combine(folder, "models.json")));
        }

        // Reads the folder both ways and checks they agree and that any refusal is well-formed; returns true when accepted.
        private static bool Check(string folder, string name, Outcomes outcomes)
        {
            string routing = Path.Combine(folder, "routing.jsonl");
            string models = Path.Combine(folder, "models.json");
            bool accepted;
            try
            {
                RoutingDatasetReader.ReadFolder(folder);
                accepted = true;
            }
            catch (DatasetException e)
            {
                accepted = false;
                outcomes.Refused(e.Problem);
                if (e.File != routing && e.File != models)
                {
                    outcomes.Failures.Add($"{name}: refusal names file '{e.File}'");
                }

                bool fileLevel = e.Problem.StartsWith("contains no prompts", StringComparison.Ordinal) || e.Problem.StartsWith("lists no models", StringComparison.Ordinal);
                if (e.Line <= 0 && !fileLevel)
                {
                    outcomes.Failures.Add($"{name}: refusal without a line: {e.Message}");
                }

                if (e.Field is null && !FieldlessProblems.Any(p => e.Problem.StartsWith(p, StringComparison.Ordinal)))
                {
                    outcomes.Failures.Add($"{name}: refusal without a field: {e.Message}");
                }

                if (!e.Message.StartsWith(e.File + (e.Line > 0 ? $"({e.Line})" : "") + ": ", StringComparison.Ordinal) || e.Message.Any(char.IsControl))
                {
                    outcomes.Failures.Add($"{name}: refusal not in the file(line): field: shape: {e.Message}");
                }
            }
            catch (Exception e)
            {
                outcomes.Failures.Add($"{name}: the reader threw {e.GetType().Name}: {e.Message}");
                return false;
            }

            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = Program.Run(["embed", "--data", folder, "--out", Path.Combine(folder, "out", "embeddings.jsonl")], stdout, stderr);
            string error = stderr.ToString();
            if (code != (accepted ? 0 : 1))
            {
                outcomes.Failures.Add($"{name}: embed exited {code} for data the reader {(accepted ? "accepted" : "refused")}: {Shorten(error)}");
            }
            else if (!accepted && (error.TrimEnd().Contains('\n') || !error.StartsWith("routergen embed: error: ", StringComparison.Ordinal)))
            {
                outcomes.Failures.Add($"{name}: embed's error is not one line: {Shorten(error)}");
            }

            return accepted;
        }

        private static void Fit(string folder, string name, Outcomes outcomes)
        {
            string profile = Path.Combine(folder, "out", "fuzz.router.json");
            File.Delete(profile);
            var stderr = new StringWriter();
            int code = Program.Run(["fit", "--data", folder, "--out", profile, "--name", "FuzzRouter", "--clusters", "2", "--cv-folds", "2", "--restarts", "1"], new StringWriter(), stderr);
            if (code == 0)
            {
                outcomes.Fitted++;
                RouterProfile.Load(profile);
            }
            else if (code == 1)
            {
                outcomes.FitRefused++;
                if (File.Exists(profile))
                {
                    outcomes.Failures.Add($"{name}: a refused fit left {profile}");
                }
            }
            else
            {
                // Progress lines come first on stderr; the error is at the end.
                string error = stderr.ToString();
                outcomes.Failures.Add($"{name}: fit exited {code}: {(error.Length > 600 ? "…" + error[^600..] : error)}");
            }
        }

        private static string Shorten(string text) => text.Length > 600 ? text[..600] + "…" : text;

        private void Report(string run, int inputs, Outcomes outcomes)
        {
            output.WriteLine($"{run}: {inputs} inputs, {outcomes.Accepted} accepted ({outcomes.Fitted} fitted, {outcomes.FitRefused} fits refused), {inputs - outcomes.Accepted} refused, {outcomes.Failures.Count} failures.");
            foreach ((string kind, int count) in outcomes.Refusals)
            {
                output.WriteLine($"  refused '{kind}…': {count}");
            }

            Assert.True(outcomes.Failures.Count == 0, string.Join("\n", outcomes.Failures.Take(20)));
        }

        [Fact]
        public void MutatedRoutingAndModelsFilesAreReadOrRefusedWithFileLineAndField()
        {
            string folder = TestData.NewFolder();
            (byte[] routing, byte[] models) = BaseData(folder);
            int seed = FuzzRun.Seed(8);
            int mutants = FuzzRun.Count("ROUTERGEN_FUZZ_DATA", DefaultMutants);
            int fits = mutants == DefaultMutants ? DefaultFits : Math.Max(DefaultFits, mutants / 100);
            var mutator = new JsonMutator(seed, KeyInsertions);
            var outcomes = new Outcomes();
            for (int i = 0; i < mutants; i++)
            {
                int target = mutator.Random.Next(8);
                (byte[] mutatedRouting, string routingMutations) = target < 6 ? mutator.Mutate(routing) : (routing, "");
                (byte[] mutatedModels, string modelsMutations) = target >= 5 ? mutator.Mutate(models) : (models, "");
                File.WriteAllBytes(Path.Combine(folder, "routing.jsonl"), mutatedRouting);
                File.WriteAllBytes(Path.Combine(folder, "models.json"), mutatedModels);
                string name = $"seed {seed} mutant {i} (routing: {routingMutations}; models: {modelsMutations})";
                if (Check(folder, name, outcomes))
                {
                    outcomes.Accepted++;
                    if (outcomes.Fitted + outcomes.FitRefused < fits)
                    {
                        Fit(folder, name, outcomes);
                    }
                }
            }

            Report($"data fuzzer, seed {seed}", mutants, outcomes);
            Assert.True(outcomes.Accepted > 0 && outcomes.Accepted < mutants, "the mutants include accepted and refused data");
        }

        /// <summary>Every data input the hardening issue names, plus its neighbours: each is refused or read as stated.</summary>
        public static TheoryData<string, string, string, bool> Corpus => new()
        {
            { "lone high surrogate in a prompt", "PROMPT", "\\ud800", false },
            { "lone low surrogate in a prompt", "PROMPT", "\\udc00 x", false },
            { "surrogate pair split by text", "PROMPT", "\\ud83d x \\ude00", false },
            { "valid surrogate pair", "PROMPT", "\\ud83d\\ude00", true },
            { "lone surrogate in an id", "ID", "\\ud800", false },
            { "lone surrogate in a score key", "SCOREKEY", "\\ud800", false },
            { "lone surrogate in a models.json id", "MODELID", "\\ud800", false },
            { "invalid UTF-8 in a prompt", "PROMPTBYTES", "FF", false },
            { "encoded surrogate (CESU-8) in a prompt", "PROMPTBYTES", "EDA080", false },
            { "overlong slash in a prompt", "PROMPTBYTES", "C0AF", false },
            { "invalid UTF-8 in models.json", "MODELBYTES", "C328", false },
            { "duplicate top-level key in a line", "LINE", "{\"id\":\"q\",\"id\":\"r\",\"prompt\":\"x\",\"scores\":{}}", false },
            { "duplicate score key in a line", "DUPSCORE", "", false },
            { "duplicate key in a models.json entry", "MODELS", "[{\"id\":\"model-0\",\"id\":\"model-1\"}]", false },
            { "NaN score", "LINE", "{\"id\":\"q\",\"prompt\":\"x\",\"scores\":{\"model-0\":NaN}}", false },
            { "score past double's range", "LINE", "{\"id\":\"q\",\"prompt\":\"x\",\"scores\":{\"model-0\":1e400,\"model-1\":0,\"model-2\":0}}", false },
            { "nesting past depth 64", "LINE", new string('[', 100) + new string(']', 100), false },
            { "byte-order mark and CRLF line ends", "BOMCRLF", "", true },
        };

        [Theory]
        [MemberData(nameof(Corpus))]
        public void CorpusInputIsReadOrRefusedAsStated(string name, string where, string what, bool accepted)
        {
            string folder = TestData.NewFolder();
            (byte[] routing, byte[] models) = BaseData(folder);
            string[] lines = Encoding.UTF8.GetString(routing).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            byte[] Bytes(string hex) => Convert.FromHexString(hex);
            byte[] routingOut = routing;
            byte[] modelsOut = models;
            switch (where)
            {
                case "PROMPT":
                    lines[1] = lines[1].Replace("\"prompt\":\"", "\"prompt\":\"" + what, StringComparison.Ordinal);
                    break;
                case "ID":
                    lines[1] = lines[1].Replace("\"id\":\"", "\"id\":\"" + what, StringComparison.Ordinal);
                    break;
                case "SCOREKEY":
                    lines[1] = lines[1].Replace("\"scores\":{", "\"scores\":{\"" + what + "\":1,", StringComparison.Ordinal);
                    break;
                case "DUPSCORE":
                    lines[1] = lines[1].Replace("\"scores\":{", "\"scores\":{\"model-0\":1,", StringComparison.Ordinal);
                    break;
                case "LINE":
                    lines[1] = what;
                    break;
                case "MODELID":
                    modelsOut = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(models).Replace("\"model-1\"", "\"model-1" + what + "\"", StringComparison.Ordinal));
                    break;
                case "MODELS":
                    modelsOut = Encoding.UTF8.GetBytes(what);
                    break;
            }

            routingOut = where switch
            {
                "PROMPTBYTES" => [.. Encoding.UTF8.GetBytes(string.Join('\n', lines[..1]) + "\n" + lines[1][..(lines[1].IndexOf("\"prompt\":\"", StringComparison.Ordinal) + 10)]), .. Bytes(what), .. Encoding.UTF8.GetBytes(lines[1][(lines[1].IndexOf("\"prompt\":\"", StringComparison.Ordinal) + 10)..] + "\n" + string.Join('\n', lines[2..]) + "\n")],
                "BOMCRLF" => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n")],
                _ => Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"),
            };
            if (where == "MODELBYTES")
            {
                string text = Encoding.UTF8.GetString(models);
                int at = text.IndexOf("model-1", StringComparison.Ordinal) + 5;
                modelsOut = [.. Encoding.UTF8.GetBytes(text[..at]), .. Bytes(what), .. Encoding.UTF8.GetBytes(text[at..])];
            }

            File.WriteAllBytes(Path.Combine(folder, "routing.jsonl"), routingOut);
            File.WriteAllBytes(Path.Combine(folder, "models.json"), modelsOut);
            var outcomes = new Outcomes();
            Assert.Equal(accepted, Check(folder, name, outcomes));
            Assert.True(outcomes.Failures.Count == 0, string.Join("\n", outcomes.Failures));
        }
    }
}
