using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
using RouterGen.Cli.Reporting;
using RouterGen.Embedding;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Cli.Commands
{
    /// <summary>
    /// <c>routergen route --profile X.router.json "&lt;prompt&gt;"</c>: routes one prompt with the runtime-loaded router
    /// and explains the decision — nearest clusters, every model's expectation in the deciding cluster, and why the
    /// winner wins under the chosen knob.
    /// </summary>
    internal static class RouteCommand
    {
        private const int NearbyClusters = 3;

        public static Command Create()
        {
            var profileOption = new Option<string>("--profile", "-p") { Description = "The router profile (*.router.json).", Required = true };
            var promptArgument = new Argument<string>("prompt") { Description = "The prompt to route." };
            var presetOption = new Option<string?>("--preset") { Description = "Route with a named preset of the profile." };
            var costWeightOption = new Option<double?>("--cost-weight") { Description = "Cost-weighted policy with this cost weight in [0, 1] (0 = max quality)." };
            var shortfallOption = new Option<double?>("--shortfall") { Description = "Shortfall policy (HyDRA): cheapest model within this many quality units (0.03 = 3 points) of the cluster's best." };
            var excludeOption = new Option<string[]>("--exclude")
            {
                Description = "Model ids this request may not use (for example, models that are down).",
                AllowMultipleArgumentsPerToken = true,
            };
            var topClustersOption = new Option<int?>("--top-clusters")
            {
                Description = "Blend the similarity-weighted statistics of this many nearest clusters (Avengers-Pro soft clusters; 1 = the nearest cluster alone). Default: the profile's (1, or a soft-cluster profile's topClusters).",
            };
            var embedderOption = new Option<string?>("--embedder")
            {
                Description = "onnx:<dir> for a profile fit with an ONNX embedder (the model must be the one the profile names); built-in profiles need none.",
            };
            var command = new Command("route", "Route one prompt and explain the decision.")
            {
                profileOption, promptArgument, presetOption, costWeightOption, shortfallOption, excludeOption, topClustersOption, embedderOption,
            };
            CommandAction.Set(command, (parseResult, output) =>
            {
                RouterProfile profile = RouterProfile.Load(parseResult.GetRequiredValue(profileOption));
                (RoutingOptions options, string optionsText) = ResolveOptions(
                    profile,
                    parseResult.GetValue(presetOption),
                    parseResult.GetValue(costWeightOption),
                    parseResult.GetValue(shortfallOption),
                    parseResult.GetValue(excludeOption) ?? [],
                    parseResult.GetValue(topClustersOption));
                IEmbedder embedder = ResolveEmbedder(profile, parseResult.GetValue(embedderOption));
                try
                {
                    Explain(profile, embedder, parseResult.GetRequiredValue(promptArgument), options, optionsText, output);
                }
                finally
                {
                    (embedder as IDisposable)?.Dispose();
                }

                return ExitCodes.Success;
            });
            return command;
        }

        /// <summary>
        /// The embedder a profile routes with: its built-in embedder, or the one <c>--embedder</c> names (an ONNX model
        /// folder), checked against the profile by <see cref="EmbedderOption.ForProfile"/>.
        /// </summary>
        internal static IEmbedder ResolveEmbedder(RouterProfile profile, string? embedderOption) =>
            embedderOption is null or "builtin" && profile.BuiltInEmbedder is not null
                ? profile.BuiltInEmbedder
                : EmbedderOption.ForProfile(profile.Definition.Embedder, embedderOption).Embedder;

        /// <summary>Turns the knob options into routing options, refusing contradictory or unknown values.</summary>
        internal static (RoutingOptions Options, string Description) ResolveOptions(RouterProfile profile, string? preset, double? costWeight, double? shortfall, IReadOnlyList<string> excluded, int? topClusters = null)
        {
            int given = (preset is null ? 0 : 1) + (costWeight is null ? 0 : 1) + (shortfall is null ? 0 : 1);
            if (given > 1)
            {
                throw new UserInputException("Give at most one of --preset, --cost-weight and --shortfall.");
            }

            RoutingOptions options;
            string description;
            if (preset is not null)
            {
                if (!profile.Tables.TryGetPreset(preset, out options))
                {
                    string known = profile.Tables.PresetNames.Count == 0 ? "the profile defines none" : "known: " + string.Join(", ", profile.Tables.PresetNames);
                    throw new UserInputException($"--preset '{preset}' is not a preset of {profile.Source} ({known}).");
                }

                description = $"preset '{preset}' = {Describe(options)}";
            }
            else if (costWeight is double w)
            {
                description = Describe(options = RoutingOptions.CostWeighted(CheckKnob("--cost-weight", w)));
            }
            else if (shortfall is double t)
            {
                description = Describe(options = RoutingOptions.Shortfall(CheckKnob("--shortfall", t)));
            }
            else
            {
                options = RoutingOptions.MaxQuality;
                description = Describe(options) + " (default: maximum expected quality)";
            }

            ModelMask mask = ModelMask.All;
            foreach (string id in excluded)
            {
                int model = profile.Tables.IndexOfModel(id);
                if (model < 0)
                {
                    throw new UserInputException($"--exclude '{id}' is not a model of {profile.Source} (models: {string.Join(", ", profile.Tables.ModelIds)}).");
                }

                mask = mask.Without(model);
            }

            if (mask.CountAllowed(profile.Tables.ModelCount) == 0)
            {
                throw new UserInputException("--exclude removes every model of the profile; at least one must remain.");
            }

            if (excluded.Count > 0)
            {
                description += "; excluded: " + string.Join(", ", excluded.Distinct(StringComparer.Ordinal));
            }

            options = options.WithAllowedModels(mask);
            int most = Math.Min(profile.Tables.ClusterCount, RoutingOptions.MaxTopClusters);
            if (topClusters is int top)
            {
                if (top < 1 || top > most)
                {
                    throw new UserInputException($"--top-clusters must be 1 to {most} ({profile.Source} has {profile.Tables.ClusterCount} clusters; 1 is the nearest cluster alone), got {top}.");
                }

                options = options.WithTopClusters(top);
            }

            int blended = profile.Tables.TopClustersOf(options);
            if (blended > 1)
            {
                description += $"; top {blended} clusters blended{(topClusters is null ? " (the profile's default)" : "")}";
            }

            return (options, description);
        }

        private static double CheckKnob(string option, double value) =>
            value is >= 0 and <= 1 ? value : throw new UserInputException($"{option} must be in [0, 1], got {Format.Number(value)}.");

        private static string Describe(in RoutingOptions options) =>
            $"{RoutingPolicyNames.Format(options.Policy)} {Format.Number(options.Knob)}";

        /// <summary>Embeds and routes the prompt, then writes the decision and its explanation as markdown.</summary>
        internal static void Explain(RouterProfile profile, IEmbedder embedder, string prompt, in RoutingOptions options, string optionsText, TextWriter output)
        {
            RouterTables tables = profile.Tables;
            EmbedderMismatchException.ThrowIfMismatched(tables.Name, tables.EmbedderIdentity, tables.Dimension, embedder);
            var embedding = new float[tables.Dimension];
            embedder.Embed(prompt, embedding);
            RouteDecision decision = profile.Route(embedding, options);

            output.WriteLine($"# Routing decision ({tables.Name})");
            output.WriteLine();
            output.WriteLine($"- prompt: \"{Abbreviate(prompt, 100)}\" ({Format.Integer(prompt.Length)} characters)");
            output.WriteLine($"- options: {optionsText}");
            WriteNearestClusters(profile, embedding, output);
            string fallback = decision.FallbackReason switch
            {
                RouteFallbackReason.LowConfidence => $" (low-confidence fallback: estimate margin {RouteExplanation.Points(decision.EstimateMargin)} < {RouteExplanation.Points(tables.LowConfidenceMargin)})",
                RouteFallbackReason.OutOfDistribution => " (fallback: out of distribution)",
                _ => "",
            };
            output.WriteLine($"- decision: **{decision.ModelId}**{fallback} — expected quality {Format.Percent(decision.ExpectedQuality)}, expected cost {Format.Usd(decision.ExpectedCostUsd)} per request");
            output.WriteLine();

            int statisticsCluster = decision.StatisticsCluster;
            Span<RankedModel> ranked = stackalloc RankedModel[tables.ModelCount];
            ranked = ranked[..decision.RankAlternatives(ranked)];
            string scope = statisticsCluster < 0 ? "global statistics (fallback)" : $"cluster #{statisticsCluster} \"{tables.ClusterLabels[statisticsCluster]}\"";
            string estimated = decision.IsEstimated ? " (the cluster's own statistics; the decision used the per-prompt estimate above)" : "";
            output.WriteLine($"## Models ranked in {scope} under {Describe(options)}{estimated}");
            output.WriteLine();
            bool shortfall = options.Policy == RoutingPolicy.Shortfall;
            var table = new MarkdownTable(">rank", "model", ">expected quality", ">expected cost", shortfall ? ">gap to best" : ">utility", "note");
            for (int r = 0; r < ranked.Length; r++)
            {
                RankedModel model = ranked[r];
                string score = shortfall ? Format.PointsDelta(model.Score).Replace("+", "", StringComparison.Ordinal) : RouteExplanation.Utility(model.Score);
                string note = r == 0 ? "chosen" : !model.WithinShortfall ? "outside τ" : "";
                table.Add(Format.Integer(r + 1), tables.ModelIds[model.ModelIndex], Format.Percent(model.ExpectedQuality), Format.Usd(model.ExpectedCostUsd), score, note);
            }

            for (int m = 0; m < tables.ModelCount; m++)
            {
                if (!options.AllowedModels.IsAllowed(m))
                {
                    table.Add("-", tables.ModelIds[m], Format.Percent(tables.QualityOf(statisticsCluster, m)), Format.Usd(tables.CostOf(statisticsCluster, m)), "", "excluded");
                }
            }

            table.WriteTo(output);
            output.WriteLine();
            output.WriteLine("## Why");
            output.WriteLine();
            output.WriteLine(decision.Explain());
        }

        private static void WriteNearestClusters(RouterProfile profile, float[] embedding, TextWriter output)
        {
            RouterTables tables = profile.Tables;
            // The kernel's own ranking (same rescaling of tiny or huge embeddings, same tie rule, same similarities).
            Span<int> nearest = stackalloc int[NearbyClusters];
            Span<float> similarities = stackalloc float[NearbyClusters];
            int count = CentroidSearch.NearestClusters(profile.UnitCentroids, tables.Dimension, embedding, nearest, similarities);
            if (count == 0)
            {
                output.WriteLine("- nearest cluster: none — the prompt has no usable embedding (empty, or no features the embedder hashes)");
                return;
            }

            ClusterDefinition first = profile.Definition.Clusters[nearest[0]];
            output.WriteLine($"- nearest cluster: #{nearest[0]} `{first.Id}` \"{first.Label}\" ({Format.Integer(first.SampleCount)} fit samples), cosine similarity {Similarity(similarities[0])} (out-of-distribution below {Format.Number(tables.MinSimilarity)})");
            if (count > 1)
            {
                var next = new List<string>();
                for (int i = 1; i < count; i++)
                {
                    next.Add($"#{nearest[i]} \"{tables.ClusterLabels[nearest[i]]}\" {Similarity(similarities[i])}");
                }

                output.WriteLine($"- next nearest: {string.Join("; ", next)}");
            }
        }

        private static string Similarity(float value) => RouteExplanation.Similarity(value);

        private static string Abbreviate(string text, int max)
        {
            string flat = text.ReplaceLineEndings(" ");
            return flat.Length <= max ? flat : flat[..(max - 1)] + "…";
        }
    }
}
