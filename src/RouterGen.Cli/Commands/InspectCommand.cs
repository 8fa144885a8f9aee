using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using RouterGen.Cli.Reporting;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Cli.Commands
{
    /// <summary><c>routergen inspect X.router.json</c>: a readable summary of a profile.</summary>
    internal static class InspectCommand
    {
        public static Command Create()
        {
            var profileArgument = new Argument<string>("profile") { Description = "The router profile (*.router.json) to summarize." };
            var command = new Command("inspect", "Summarize a router profile: embedder, models and costs, clusters and their winners per preset, provenance.")
            {
                profileArgument,
            };
            CommandAction.Set(command, (parseResult, output) =>
            {
                RouterProfile profile = RouterProfile.Load(parseResult.GetRequiredValue(profileArgument));
                Write(profile, output);
                return ExitCodes.Success;
            });
            return command;
        }

        /// <summary>Writes the summary as markdown.</summary>
        public static void Write(RouterProfile profile, TextWriter output)
        {
            ProfileDefinition definition = profile.Definition;
            RouterTables tables = profile.Tables;
            output.WriteLine($"# Router profile {definition.Name}");
            output.WriteLine();
            output.WriteLine($"- file: {profile.Source}");
            output.WriteLine($"- format version: {definition.FormatVersion}");
            if (definition.Namespace is not null)
            {
                output.WriteLine($"- namespace: {definition.Namespace}");
            }

            if (definition.Description is not null)
            {
                output.WriteLine($"- description: {definition.Description}");
            }

            output.WriteLine($"- embedder: {definition.Embedder.Kind}, dimension {definition.Embedder.Dimension}, identity `{definition.Embedder.Identity}`");
            output.WriteLine($"- fallback: {definition.Fallback.Model} when the best cosine similarity is below {Format.Number(definition.Fallback.MinSimilarity)}");
            if (definition.Estimator is EstimatorDefinition estimator)
            {
                string what = estimator.Kind == EstimatorDefinition.LinearKind
                    ? $"learned linear, one calibrated logistic head per model ({estimator.Heads.Count} heads), costs from the nearest cluster"
                    : $"soft clusters, the {estimator.TopClusters} nearest clusters' similarity-weighted quality and cost";
                output.WriteLine($"- estimator: {what}; the router applies the knob to each prompt's estimate, so the per-cluster winners below show what the clusters' own statistics choose, not every decision");
                output.WriteLine(definition.Fallback.LowConfidenceMargin > 0
                    ? $"- low-confidence fallback: the global statistics decide when the estimate's best allowed model leads the runner-up by less than {RouteExplanation.Points(definition.Fallback.LowConfidenceMargin)}"
                    : "- low-confidence fallback: off");
            }
            output.WriteLine($"- {tables.ModelCount} models, {tables.ClusterCount} clusters, {definition.Clusters.Sum(c => (long)c.SampleCount)} fit samples");
            output.WriteLine();

            output.WriteLine($"## Models ({tables.ModelCount})");
            output.WriteLine();
            var models = new MarkdownTable(">#", "model", ">cost/request", "cost source", ">input $/MTok", ">output $/MTok", ">global quality");
            for (int m = 0; m < tables.ModelCount; m++)
            {
                ModelDefinition model = definition.Models[m];
                string name = model.DisplayName is null ? model.Id : $"{model.Id} ({model.DisplayName})";
                models.Add(
                    Format.Integer(m),
                    name,
                    Format.Usd(model.CostPerRequestUsd),
                    model.CostIsEstimate ? "estimate" : "measured",
                    model.InputPricePerMTok is double input ? Format.Number(input) : "",
                    model.OutputPricePerMTok is double outputPrice ? Format.Number(outputPrice) : "",
                    Format.Percent(tables.QualityOf(-1, m)));
            }

            models.WriteTo(output);
            output.WriteLine();

            IReadOnlyList<NamedOptions> presets = PresetOutcomes.Presets(profile);
            output.WriteLine($"## Presets ({definition.Presets.Count})");
            output.WriteLine();
            var presetTable = new MarkdownTable("preset", "policy", ">knob", ">expected quality", ">expected cost/request", "description");
            foreach (NamedOptions preset in presets)
            {
                (double quality, double cost) = PresetOutcomes.Expected(profile, preset.Options);
                string description = definition.Presets.FirstOrDefault(p => p.Name == preset.Name)?.Description ?? "";
                presetTable.Add(preset.Name, preset.Policy, Format.Number(preset.Knob), Format.Percent(quality), Format.Usd(cost), description);
            }

            presetTable.WriteTo(output);
            output.WriteLine();
            output.WriteLine("Expected values weight each cluster by its sample count and assume every prompt lands in distribution.");
            output.WriteLine();

            output.WriteLine($"## Clusters ({tables.ClusterCount})");
            output.WriteLine();
            var headers = new List<string> { ">#", "id", "label", ">samples", "best quality" };
            headers.AddRange(presets.Select(p => "winner @ " + p.Name));
            var clusters = new MarkdownTable([.. headers]);
            for (int c = 0; c < tables.ClusterCount; c++)
            {
                ClusterDefinition cluster = definition.Clusters[c];
                int best = 0;
                for (int m = 1; m < tables.ModelCount; m++)
                {
                    if (cluster.Quality[m] > cluster.Quality[best])
                    {
                        best = m;
                    }
                }

                var cells = new List<string>
                {
                    Format.Integer(c),
                    cluster.Id,
                    cluster.Label,
                    Format.Integer(cluster.SampleCount),
                    $"{Format.Percent(cluster.Quality[best])} {tables.ModelIds[best]}",
                };
                foreach (NamedOptions preset in presets)
                {
                    int winner = PresetOutcomes.Winner(profile, c, preset.Options);
                    cells.Add(RouteExplanation.Choice(tables.ModelIds[winner], cluster.Quality[winner], cluster.CostUsd[winner]));
                }

                clusters.Add([.. cells]);
            }

            clusters.WriteTo(output);
            output.WriteLine();

            ProvenanceDefinition? provenance = definition.Provenance;
            output.WriteLine("## Provenance");
            output.WriteLine();
            if (provenance is null)
            {
                output.WriteLine("The profile records no provenance.");
                return;
            }

            WriteField(output, "dataset", provenance.Dataset);
            WriteField(output, "attribution", provenance.Attribution);
            WriteField(output, "created (UTC)", provenance.CreatedUtc);
            WriteField(output, "tool", provenance.Tool);
            WriteField(output, "notes", provenance.Notes);
            output.WriteLine();
            if (provenance.HeldOutMetrics.Count == 0)
            {
                output.WriteLine("No held-out metrics recorded.");
                return;
            }

            output.WriteLine("### Held-out metrics");
            output.WriteLine();
            var metrics = new MarkdownTable("metric", ">value");
            foreach (KeyValuePair<string, double> metric in provenance.HeldOutMetrics)
            {
                metrics.Add(metric.Key, Format.Number(metric.Value));
            }

            metrics.WriteTo(output);
        }

        private static void WriteField(TextWriter output, string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                output.WriteLine($"- {name}: {value}");
            }
        }
    }
}
