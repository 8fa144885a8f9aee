using System.CommandLine;
using System.Globalization;
using RouterGen.Fitting;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Cli.Commands
{
    /// <summary>
    /// <c>routergen calibrate --profile X.router.json --data new-results.jsonl [--models models.json]</c>: adds or updates
    /// models on the profile's frozen centroids, without re-clustering.
    /// </summary>
    internal static class CalibrateCommand
    {
        public static Command Create()
        {
            var data = new DatasetOptions();
            var profileOption = new Option<string>("--profile") { Description = "The profile to calibrate.", Required = true };
            var output = new Option<string?>("--out") { Description = "Where to write the calibrated profile (default: overwrite --profile, atomically)." };
            var embedder = new Option<string?>("--embedder") { Description = "The profile's embedder, needed only for ONNX profiles: onnx:<dir>." };
            Option<string?> embeddingCache = EmbeddingCacheOption.Create();
            var prior = new Option<double?>("--prior-strength") { Description = "Beta prior strength (default: chosen by leave-one-out likelihood on the new results)." };
            var command = new Command("calibrate", "Add or update models on a profile's frozen centroids: only their per-cluster statistics are computed; clusters, labels and other models stay as they are.")
            {
                profileOption,
                output,
                embedder,
                embeddingCache,
                prior,
            };
            data.AddTo(command);
            CommandAction.Set(command, (parseResult, writer) =>
            {
                string path = parseResult.GetRequiredValue(profileOption);
                OutputFiles.Check("--out", parseResult.GetValue(output));
                RouterProfile profile = RouterProfile.Load(path);
                RoutingDataset results = data.Load(parseResult);
                EmbedderSetup setup = EmbedderOption.ForProfile(profile.Definition.Embedder, parseResult.GetValue(embedder), EmbeddingCacheOption.Resolve(parseResult.GetValue(embeddingCache)));
                CalibrationResult result = Calibration.Calibrate(profile.Definition, results, setup.Embedder, parseResult.GetValue(prior));
                string target = parseResult.GetValue(output) ?? path;
                ProfileWriter.Save(result.Profile, target);
                writer.WriteLine($"Wrote {target}: {result.Profile.Models.Count} models on {result.Profile.Clusters.Count} frozen clusters.");
                writer.WriteLine($"Added: {(result.Added.Count == 0 ? "none" : string.Join(", ", result.Added))}. Updated: {(result.Updated.Count == 0 ? "none" : string.Join(", ", result.Updated))}.");
                writer.WriteLine($"{results.PromptCount} prompts assigned to clusters ({string.Join(", ", result.PromptsPerCluster)}); prior strength {result.PriorStrength.ToString("R", CultureInfo.InvariantCulture)}.");
                if (profile.Definition.Estimator is not null && result.Profile.Estimator is null)
                {
                    writer.WriteLine("The profile's learned linear estimator had no head for the calibrated models, so it was dropped: the profile routes by its clusters (format version 1) until `routergen fit` learns it again.");
                }

                writer.WriteLine("Presets keep their knob values; re-run `routergen eval` to re-derive them with the new models.");
                return ExitCodes.Success;
            });
            return command;
        }
    }
}
