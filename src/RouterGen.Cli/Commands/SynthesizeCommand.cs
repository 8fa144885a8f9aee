using System.CommandLine;
using RouterGen.Fitting;

namespace RouterGen.Cli.Commands
{
    /// <summary><c>routergen synthesize --prompts N --out dir</c>: writes topic-structured synthetic routing data (for scale tests).</summary>
    internal static class SynthesizeCommand
    {
        public static Command Create()
        {
            var prompts = new Option<int>("--prompts") { Description = "Number of prompts.", DefaultValueFactory = _ => 100_000 };
            var models = new Option<int>("--models") { Description = "Number of models.", DefaultValueFactory = _ => 8 };
            var topics = new Option<int>("--topics") { Description = "Number of topics.", DefaultValueFactory = _ => 32 };
            var words = new Option<int>("--words") { Description = "Words per prompt.", DefaultValueFactory = _ => 120 };
            var seed = new Option<ulong>("--seed") { Description = "Seed.", DefaultValueFactory = _ => 1 };
            var output = new Option<string>("--out") { Description = "Folder to write routing.jsonl and models.json into.", Required = true };
            var command = new Command("synthesize", "Write synthetic routing data with known topic structure (for scale and memory measurements).")
            {
                prompts,
                models,
                topics,
                words,
                seed,
                output,
            };
            CommandAction.Set(command, (parseResult, writer) =>
            {
                int n = parseResult.GetValue(prompts);
                if (n < 1 || parseResult.GetValue(models) < 1 || parseResult.GetValue(models) > 64 || parseResult.GetValue(topics) < 1)
                {
                    throw new UserInputException("--prompts and --topics must be positive and --models between 1 and 64.");
                }

                RoutingDataset dataset = SyntheticRoutingData.Generate(n, parseResult.GetValue(models), parseResult.GetValue(topics), parseResult.GetValue(seed), parseResult.GetValue(words));
                string folder = parseResult.GetRequiredValue(output);
                RoutingDatasetWriter.Write(dataset, folder);
                writer.WriteLine($"Wrote {dataset.PromptCount} prompts x {dataset.ModelCount} models to {folder}.");
                return ExitCodes.Success;
            });
            return command;
        }
    }
}
