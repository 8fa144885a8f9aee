using System;
using System.CommandLine;
using System.IO;
using RouterGen.Fitting;

namespace RouterGen.Cli.Commands
{
    /// <summary>The data options fit, eval and calibrate share: where the results are and which models to read.</summary>
    internal sealed class DatasetOptions
    {
        public Option<string> Data { get; } = new("--data")
        {
            Description = "routing.jsonl (one JSON object per prompt, see docs/data-format.md), or the folder holding it.",
            Required = true,
        };

        public Option<string?> Models { get; } = new("--models")
        {
            Description = "models.json (default: models.json beside routing.jsonl).",
        };

        public Option<string?> Pool { get; } = new("--pool")
        {
            Description = "Comma-separated model ids to use (default: every model in models.json).",
        };

        public Option<int> MaxPromptChars { get; } = new("--max-prompt-chars")
        {
            Description = "Refuse prompts longer than this many characters.",
            DefaultValueFactory = _ => DatasetReadOptions.DefaultMaxPromptChars,
        };

        public void AddTo(Command command)
        {
            command.Options.Add(Data);
            command.Options.Add(Models);
            command.Options.Add(Pool);
            command.Options.Add(MaxPromptChars);
        }

        /// <summary>Reads the data set; a bad file becomes a user error naming file, line and field.</summary>
        public RoutingDataset Load(ParseResult parseResult)
        {
            string data = parseResult.GetRequiredValue(Data);
            string routing = Directory.Exists(data) ? Path.Combine(data, "routing.jsonl") : data;
            string models = parseResult.GetValue(Models) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(routing)) ?? ".", "models.json");
            string? pool = parseResult.GetValue(Pool);
            string[]? poolIds = pool?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (poolIds is { Length: 0 })
            {
                throw new UserInputException($"--pool \"{pool}\": names no model ids; give comma-separated ids from models.json.");
            }

            var options = new DatasetReadOptions
            {
                MaxPromptChars = parseResult.GetValue(MaxPromptChars),
                ModelPool = poolIds,
            };
            try
            {
                return RoutingDatasetReader.Read(routing, models, options);
            }
            catch (DatasetException e)
            {
                throw new UserInputException(e.Message, e);
            }
        }

        /// <summary>Fewest prompts cross-validation can run on: with any number of folds, every fold's fit part keeps 2 or more.</summary>
        public const int MinimumCrossValidatedPrompts = 4;

        /// <summary>
        /// Refuses a data set too small for the cross-validation fit and eval run (each fold fits on the other folds'
        /// prompts, and its inner selection splits those again), instead of failing deep inside the fit.
        /// </summary>
        public static RoutingDataset RequireCrossValidatable(RoutingDataset dataset)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            if (dataset.PromptCount < MinimumCrossValidatedPrompts)
            {
                throw new UserInputException($"--data: {dataset.PromptCount} prompt{(dataset.PromptCount == 1 ? " is" : "s are")} too few to cross-validate; give at least {MinimumCrossValidatedPrompts}.");
            }

            return dataset;
        }

        /// <summary>Parses --clusters: a positive integer, or "auto" (0).</summary>
        public static int ParseClusters(string value)
        {
            if (value == "auto")
            {
                return 0;
            }

            if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int k) && k >= 1 && k <= 4096)
            {
                return k;
            }

            throw new UserInputException($"--clusters {value}: expected a number of clusters from 1 to 4096, or auto.");
        }
    }
}
