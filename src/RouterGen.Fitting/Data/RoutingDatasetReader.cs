using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using RouterGen.Json;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Reads the canonical layout (docs/data-format.md): <c>routing.jsonl</c> (one JSON object per prompt) and
    /// <c>models.json</c> (an array of models). Every problem is reported as a <see cref="DatasetException"/> naming the
    /// file, line and field.
    /// </summary>
    public static class RoutingDatasetReader
    {
        /// <summary>Reads <c>routing.jsonl</c> and <c>models.json</c> from a folder.</summary>
        public static RoutingDataset ReadFolder(string folder, DatasetReadOptions? options = null) =>
            Read(Path.Combine(folder, "routing.jsonl"), Path.Combine(folder, "models.json"), options);

        /// <summary>Reads a routing file and its models file.</summary>
        /// <exception cref="DatasetException">The data is malformed; the message names file, line and field.</exception>
        public static RoutingDataset Read(string routingPath, string modelsPath, DatasetReadOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(routingPath);
            ArgumentNullException.ThrowIfNull(modelsPath);
            options ??= new DatasetReadOptions();
            if (!File.Exists(modelsPath))
            {
                throw new DatasetException(modelsPath, 0, null, "file not found.");
            }

            if (!File.Exists(routingPath))
            {
                throw new DatasetException(routingPath, 0, null, "file not found.");
            }

            List<DatasetModel> listed = ReadModels(modelsPath, File.ReadAllBytes(modelsPath));
            List<DatasetModel> models = SelectPool(modelsPath, listed, options.ModelPool);
            var listedIds = new HashSet<string>(StringComparer.Ordinal);
            foreach (DatasetModel model in listed)
            {
                listedIds.Add(model.Id);
            }

            string name = options.Name ?? new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(routingPath)) ?? ".").Name;
            using FileStream stream = File.OpenRead(routingPath);
            return ReadRouting(routingPath, stream, models, listedIds, name, options);
        }

        /// <summary>Reads models.json text. Unknown fields are ignored.</summary>
        public static List<DatasetModel> ReadModels(string file, string json)
        {
            ArgumentNullException.ThrowIfNull(json);
            byte[] utf8;
            try
            {
                utf8 = StrictUtf8.GetBytes(json);
            }
            catch (EncoderFallbackException)
            {
                throw new DatasetException(file, 0, null, "the text holds a lone UTF-16 surrogate, which is not Unicode text.");
            }

            return ReadModels(file, utf8);
        }

        /// <summary>Reads models.json as UTF-8 bytes (a byte-order mark is allowed). Unknown fields are ignored.</summary>
        public static List<DatasetModel> ReadModels(string file, ReadOnlyMemory<byte> utf8)
        {
            utf8 = WithoutByteOrderMark(utf8);
            var lines = new List<int>();
            ThrowIfProblem(file, StrictJson.Check(utf8.Span, 1, default, lines));
            using JsonDocument document = JsonDocument.Parse(utf8);
            var all = new List<DatasetModel>();
            var firstLines = new Dictionary<string, int>(StringComparer.Ordinal);
            {
                if (document.RootElement.ValueKind != JsonValueKind.Array)
                {
                    throw new DatasetException(file, 1, null, $"expected a JSON array of models, found {Describe(document.RootElement.ValueKind)}.");
                }

                int index = 0;
                foreach (JsonElement item in document.RootElement.EnumerateArray())
                {
                    int line = lines[index];
                    string path = $"[{index}]";
                    index++;
                    if (item.ValueKind != JsonValueKind.Object)
                    {
                        throw new DatasetException(file, line, path, $"expected an object, found {Describe(item.ValueKind)}.");
                    }

                    if (!item.TryGetProperty("id", out JsonElement idElement) || idElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(idElement.GetString()))
                    {
                        throw new DatasetException(file, line, path + ".id", "every model needs a non-empty string id.");
                    }

                    string id = idElement.GetString()!;
                    if (firstLines.TryGetValue(id, out int firstLine))
                    {
                        throw new DatasetException(file, line, path + ".id", $"duplicate model id \"{id}\" (first listed on line {firstLine}).");
                    }

                    firstLines.Add(id, line);
                    string? display = item.TryGetProperty("displayName", out JsonElement d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                    double? input = OptionalPrice(file, line, path, item, "inputPricePerMTok");
                    double? output = OptionalPrice(file, line, path, item, "outputPricePerMTok");
                    all.Add(new DatasetModel(id, display, input, output));
                }
            }

            if (all.Count == 0)
            {
                throw new DatasetException(file, 1, null, "lists no models.");
            }

            return all;
        }

        /// <summary>The models of <paramref name="pool"/>, in pool order; every model when the pool is null.</summary>
        public static List<DatasetModel> SelectPool(string file, List<DatasetModel> all, IReadOnlyList<string>? pool)
        {
            ArgumentNullException.ThrowIfNull(all);
            if (pool is null)
            {
                return all;
            }

            var selected = new List<DatasetModel>();
            foreach (string id in pool)
            {
                DatasetModel? model = all.Find(m => m.Id == id);
                if (model is null)
                {
                    throw new DatasetException(file, 0, null, $"the model pool names \"{id}\", which is not listed here.");
                }

                if (selected.Contains(model))
                {
                    throw new DatasetException(file, 0, null, $"the model pool names \"{id}\" twice.");
                }

                selected.Add(model);
            }

            return selected;
        }

        /// <summary>
        /// Reads routing.jsonl rows for <paramref name="models"/>. Scores of models in <paramref name="listedModelIds"/> but
        /// outside <paramref name="models"/> (a pool) are skipped; any other unknown id is an error.
        /// </summary>
        public static RoutingDataset ReadRouting(string file, Stream utf8, IReadOnlyList<DatasetModel> models, IReadOnlySet<string> listedModelIds, string name, DatasetReadOptions options)
        {
            ArgumentNullException.ThrowIfNull(utf8);
            ArgumentNullException.ThrowIfNull(models);
            ArgumentNullException.ThrowIfNull(options);
            int modelCount = models.Count;
            var modelIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int m = 0; m < modelCount; m++)
            {
                modelIndex.Add(models[m].Id, m);
            }

            var prompts = new List<DatasetPrompt>();
            var scores = new List<double>();
            var costs = new List<double>();
            var idLines = new Dictionary<string, int>(StringComparer.Ordinal);
            var costCount = new int[modelCount];
            var firstLineWithoutCost = new int[modelCount];
            var firstLineWithCost = new int[modelCount];
            var rowScores = new double[modelCount];
            var rowCosts = new double[modelCount];
            var lines = new Utf8LineReader(utf8, MaxLineBytes(options));
            int lineNumber = 0;
            while (lines.TryRead(out ReadOnlyMemory<byte> line))
            {
                lineNumber++;
                if (lines.TooLong)
                {
                    throw new DatasetException(file, lineNumber, null, $"the line is longer than {MaxLineBytes(options).ToString("N0", CultureInfo.InvariantCulture)} bytes, more than a prompt within the limit of {options.MaxPromptChars.ToString("N0", CultureInfo.InvariantCulture)} characters can take (raise it with --max-prompt-chars if this is intended).");
                }

                if (lineNumber == 1)
                {
                    line = WithoutByteOrderMark(line);
                }

                if (IsWhiteSpace(line.Span))
                {
                    continue;
                }

                if (StrictJson.Check(line.Span, lineNumber) is { } problem)
                {
                    bool notJsonNumbers = problem.Malformed && (line.Span.IndexOf("NaN"u8) >= 0 || line.Span.IndexOf("Infinity"u8) >= 0);
                    ThrowIfProblem(file, notJsonNumbers ? problem with { Problem = problem.Problem + " (NaN and Infinity are not JSON numbers; every score must be a number in [0, 1])" } : problem);
                }

                using (JsonDocument document = JsonDocument.Parse(line))
                {
                    JsonElement row = document.RootElement;
                    if (row.ValueKind != JsonValueKind.Object)
                    {
                        throw new DatasetException(file, lineNumber, null, $"expected one JSON object per line, found {Describe(row.ValueKind)}.");
                    }

                    string id = RequiredString(file, lineNumber, row, "id");
                    if (id.Length == 0)
                    {
                        throw new DatasetException(file, lineNumber, "id", "is empty.");
                    }

                    if (idLines.TryGetValue(id, out int first))
                    {
                        throw new DatasetException(file, lineNumber, "id", $"duplicate prompt id \"{id}\" (first on line {first}).");
                    }

                    idLines.Add(id, lineNumber);
                    string text = RequiredString(file, lineNumber, row, "prompt");
                    if (text.Length > options.MaxPromptChars)
                    {
                        throw new DatasetException(
                            file,
                            lineNumber,
                            "prompt",
                            $"is {text.Length.ToString("N0", CultureInfo.InvariantCulture)} characters; the limit is {options.MaxPromptChars.ToString("N0", CultureInfo.InvariantCulture)} (raise it with --max-prompt-chars if this is intended).");
                    }

                    string? group = OptionalString(file, lineNumber, row, "group");
                    string? split = OptionalString(file, lineNumber, row, "split");
                    ReadScores(file, lineNumber, row, modelIndex, listedModelIds, models, rowScores);
                    bool hasCosts = ReadCosts(file, lineNumber, row, modelIndex, listedModelIds, rowCosts);
                    for (int m = 0; m < modelCount; m++)
                    {
                        scores.Add(rowScores[m]);
                        bool known = hasCosts && !double.IsNaN(rowCosts[m]);
                        if (known)
                        {
                            costCount[m]++;
                            if (firstLineWithCost[m] == 0)
                            {
                                firstLineWithCost[m] = lineNumber;
                            }
                        }
                        else if (firstLineWithoutCost[m] == 0)
                        {
                            firstLineWithoutCost[m] = lineNumber;
                        }

                        costs.Add(known ? rowCosts[m] : EstimateCost(models[m], text.Length, options));
                    }

                    prompts.Add(new DatasetPrompt(id, text, group, split, lineNumber));
                }
            }

            if (prompts.Count == 0)
            {
                throw new DatasetException(file, 0, null, "contains no prompts (the file is empty).");
            }

            var estimate = new bool[modelCount];
            for (int m = 0; m < modelCount; m++)
            {
                if (costCount[m] > 0 && costCount[m] < prompts.Count)
                {
                    throw new DatasetException(
                        file,
                        firstLineWithoutCost[m],
                        "costs." + models[m].Id,
                        $"missing, but line {firstLineWithCost[m]} gives a cost for this model: give a model's cost on every line or on none (then it is estimated from prices).");
                }

                estimate[m] = costCount[m] == 0;
            }

            return new RoutingDataset(name, models, prompts, scores.ToArray(), costs.ToArray(), estimate);
        }

        /// <summary>
        /// The documented estimate for a request without a measured cost: input tokens = prompt characters ÷
        /// <see cref="DatasetReadOptions.CharsPerToken"/> (rounded up), output tokens =
        /// <see cref="DatasetReadOptions.AssumedOutputTokens"/>, priced at the model's list prices (0 when it has none).
        /// </summary>
        public static double EstimateCost(DatasetModel model, int promptChars, DatasetReadOptions options)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(options);
            double inputTokens = Math.Ceiling(promptChars / options.CharsPerToken);
            return ((inputTokens * (model.InputPricePerMTok ?? 0)) + (options.AssumedOutputTokens * (model.OutputPricePerMTok ?? 0))) / 1e6;
        }

        private static void ReadScores(string file, int line, JsonElement row, Dictionary<string, int> modelIndex, IReadOnlySet<string> listedModelIds, IReadOnlyList<DatasetModel> models, double[] destination)
        {
            if (!row.TryGetProperty("scores", out JsonElement scores))
            {
                throw new DatasetException(file, line, "scores", "missing: every prompt needs an object of model id → score.");
            }

            if (scores.ValueKind != JsonValueKind.Object)
            {
                throw new DatasetException(file, line, "scores", $"expected an object of model id → score, found {Describe(scores.ValueKind)}.");
            }

            Array.Fill(destination, double.NaN);
            foreach (JsonProperty score in scores.EnumerateObject())
            {
                if (!modelIndex.TryGetValue(score.Name, out int m))
                {
                    if (listedModelIds.Contains(score.Name))
                    {
                        continue;
                    }

                    throw new DatasetException(file, line, "scores." + score.Name, $"unknown model id \"{score.Name}\" (not in models.json).");
                }

                destination[m] = UnitNumber(file, line, "scores." + score.Name, score.Value, upperBound: 1);
            }

            for (int m = 0; m < destination.Length; m++)
            {
                if (double.IsNaN(destination[m]))
                {
                    throw new DatasetException(file, line, "scores." + models[m].Id, "missing score: every prompt needs a score for every model.");
                }
            }
        }

        private static bool ReadCosts(string file, int line, JsonElement row, Dictionary<string, int> modelIndex, IReadOnlySet<string> listedModelIds, double[] destination)
        {
            Array.Fill(destination, double.NaN);
            if (!row.TryGetProperty("costs", out JsonElement costs) || costs.ValueKind == JsonValueKind.Null)
            {
                return false;
            }

            if (costs.ValueKind != JsonValueKind.Object)
            {
                throw new DatasetException(file, line, "costs", $"expected an object of model id → USD, found {Describe(costs.ValueKind)}.");
            }

            foreach (JsonProperty cost in costs.EnumerateObject())
            {
                if (!modelIndex.TryGetValue(cost.Name, out int m))
                {
                    if (listedModelIds.Contains(cost.Name))
                    {
                        continue;
                    }

                    throw new DatasetException(file, line, "costs." + cost.Name, $"unknown model id \"{cost.Name}\" (not in models.json).");
                }

                destination[m] = UnitNumber(file, line, "costs." + cost.Name, cost.Value, upperBound: double.PositiveInfinity);
            }

            return true;
        }

        private static double UnitNumber(string file, int line, string field, JsonElement value, double upperBound)
        {
            if (value.ValueKind != JsonValueKind.Number)
            {
                throw new DatasetException(file, line, field, $"expected a number, found {Describe(value.ValueKind)}{(value.ValueKind == JsonValueKind.String ? $" \"{Shortened(value.GetString()!)}\"" : "")}.");
            }

            double v = value.GetDouble();
            if (!double.IsFinite(v) || v < 0 || v > upperBound)
            {
                throw new DatasetException(file, line, field, $"is {value.GetRawText()}; expected {(double.IsPositiveInfinity(upperBound) ? "a finite number ≥ 0" : "a number in [0, 1]")}.");
            }

            return v;
        }

        private static string RequiredString(string file, int line, JsonElement row, string name)
        {
            if (!row.TryGetProperty(name, out JsonElement value))
            {
                throw new DatasetException(file, line, name, "missing.");
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                throw new DatasetException(file, line, name, $"expected a string, found {Describe(value.ValueKind)}.");
            }

            return value.GetString()!;
        }

        private static string? OptionalString(string file, int line, JsonElement row, string name)
        {
            if (!row.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                throw new DatasetException(file, line, name, $"expected a string, found {Describe(value.ValueKind)}.");
            }

            return value.GetString();
        }

        private static double? OptionalPrice(string file, int line, string path, JsonElement item, string name)
        {
            if (!item.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return UnitNumber(file, line, path + "." + name, value, double.PositiveInfinity);
        }

        // A value copied into a message is cut short: the message names it, it need not reproduce it.
        private static string Shortened(string value) => value.Length <= 64 ? value : value[..64] + "…";

        private static void ThrowIfProblem(string file, StrictJsonProblem? problem)
        {
            if (problem is not null)
            {
                throw new DatasetException(file, problem.Line, problem.Field, problem.Problem);
            }
        }

        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        // A line holds one prompt's JSON: its text (up to 6 bytes per character when \u-escaped) plus ids, scores and
        // costs. Longer lines are refused before they are buffered whole.
        private static long MaxLineBytes(DatasetReadOptions options) => (6L * options.MaxPromptChars) + (16 << 20);

        private static ReadOnlyMemory<byte> WithoutByteOrderMark(ReadOnlyMemory<byte> utf8) =>
            utf8.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? utf8[3..] : utf8;

        private static bool IsWhiteSpace(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept(" \t\r\n"u8) < 0;

        private static string Describe(JsonValueKind kind) => kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            _ => "nothing",
        };
    }
}
