using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using RouterGen.Cli.Reporting;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Cli.Commands
{
    /// <summary>
    /// <c>routergen diff old.router.json new.router.json</c>: what a profile change does to routing — which clusters
    /// change their chosen model at each preset, and the sample-weighted expected quality and cost before and after.
    /// The text a reviewer reads next to the generated-code diff; deterministic markdown.
    /// </summary>
    internal static class DiffCommand
    {
        public static Command Create()
        {
            var oldArgument = new Argument<string>("old") { Description = "The profile before the change." };
            var newArgument = new Argument<string>("new") { Description = "The profile after the change." };
            var command = new Command("diff", "Explain how routing changes between two versions of a router profile.")
            {
                oldArgument, newArgument,
            };
            CommandAction.Set(command, (parseResult, output) =>
            {
                RouterProfile before = RouterProfile.Load(parseResult.GetRequiredValue(oldArgument));
                RouterProfile after = RouterProfile.Load(parseResult.GetRequiredValue(newArgument));
                Write(before, after, output);
                return ExitCodes.Success;
            });
            return command;
        }

        /// <summary>Writes the routing diff as markdown.</summary>
        public static void Write(RouterProfile before, RouterProfile after, TextWriter output)
        {
            ProfileDefinition a = before.Definition, b = after.Definition;
            output.WriteLine($"# Routing diff: {before.Source} → {after.Source}");
            output.WriteLine();
            output.WriteLine(a.Name == b.Name ? $"- router: {b.Name}" : $"- router: renamed {a.Name} → {b.Name} (the generated class name changes)");
            output.WriteLine(a.Embedder.Identity == b.Embedder.Identity
                ? $"- embedder: unchanged ({b.Embedder.Kind}, dimension {b.Embedder.Dimension})"
                : $"- embedder: **changed** `{a.Embedder.Identity}` → `{b.Embedder.Identity}`: similarities are not comparable, and callers must switch embedders with the profile");
            output.WriteLine($"- models: {DescribeModels(a, b)}");
            WriteClusterSummary(a, b, output);
            output.WriteLine(a.Fallback.Model == b.Fallback.Model && a.Fallback.MinSimilarity.Equals(b.Fallback.MinSimilarity)
                ? $"- fallback: unchanged ({b.Fallback.Model} below similarity {Format.Number(b.Fallback.MinSimilarity)})"
                : $"- fallback: {a.Fallback.Model} below {Format.Number(a.Fallback.MinSimilarity)} → {b.Fallback.Model} below {Format.Number(b.Fallback.MinSimilarity)}");
            if (a.Fallback.LowConfidenceMargin > 0 || b.Fallback.LowConfidenceMargin > 0)
            {
                output.WriteLine(a.Fallback.LowConfidenceMargin.Equals(b.Fallback.LowConfidenceMargin)
                    ? $"- low-confidence margin: unchanged ({RouteExplanation.Points(b.Fallback.LowConfidenceMargin)})"
                    : $"- low-confidence margin: {RouteExplanation.Points(a.Fallback.LowConfidenceMargin)} → {RouteExplanation.Points(b.Fallback.LowConfidenceMargin)} (0 = off)");
            }

            output.WriteLine($"- presets: {DescribePresets(a, b)}");
            output.WriteLine();

            IReadOnlyList<NamedOptions> oldPresets = PresetOutcomes.Presets(before);
            IReadOnlyList<NamedOptions> newPresets = PresetOutcomes.Presets(after);
            var compared = oldPresets.Where(p => newPresets.Any(q => q.Name == p.Name)).Select(p => p.Name).ToList();
            if (compared.Count == 0)
            {
                // No preset in common: compare what both do with default options (maximum quality).
                output.WriteLine("The profiles share no preset; comparing their default (max quality) routing.");
                output.WriteLine();
                WritePreset(before, after, new NamedOptions(PresetOutcomes.DefaultName, RoutingOptions.MaxQuality), new NamedOptions(PresetOutcomes.DefaultName, RoutingOptions.MaxQuality), output);
                return;
            }

            foreach (string name in compared)
            {
                WritePreset(before, after, oldPresets.First(p => p.Name == name), newPresets.First(p => p.Name == name), output);
            }
        }

        private static void WritePreset(RouterProfile before, RouterProfile after, NamedOptions oldPreset, NamedOptions newPreset, TextWriter output)
        {
            string knob = PresetOutcomes.Describe(oldPreset) == PresetOutcomes.Describe(newPreset)
                ? PresetOutcomes.Describe(newPreset)
                : $"{PresetOutcomes.Describe(oldPreset)} → {PresetOutcomes.Describe(newPreset)}";
            output.WriteLine($"## Preset `{newPreset.Name}` ({knob})");
            output.WriteLine();
            (double q0, double c0) = PresetOutcomes.Expected(before, oldPreset.Options);
            (double q1, double c1) = PresetOutcomes.Expected(after, newPreset.Options);
            output.WriteLine($"Expected quality {Format.Percent(q0)} → {Format.Percent(q1)} ({Format.PointsDelta(q1 - q0)}); expected cost {Format.Usd(c0)} → {Format.Usd(c1)} ({Format.UsdDelta(c1 - c0)}) per request.");
            output.WriteLine("(Each profile's own statistics, weighted by its clusters' sample counts, assuming in-distribution prompts.)");
            output.WriteLine();

            List<ClusterDefinition> oldClusters = before.Definition.Clusters, newClusters = after.Definition.Clusters;
            var table = new MarkdownTable("cluster", "label", ">samples", "old model", ">old quality", ">old cost", "new model", ">new quality", ">new cost", "why now");
            int matched = 0;
            for (int j = 0; j < newClusters.Count; j++)
            {
                int i = oldClusters.FindIndex(c => c.Id == newClusters[j].Id);
                if (i < 0)
                {
                    continue;
                }

                matched++;
                int m0 = PresetOutcomes.Winner(before, i, oldPreset.Options);
                int m1 = PresetOutcomes.Winner(after, j, newPreset.Options);
                string id0 = before.Tables.ModelIds[m0], id1 = after.Tables.ModelIds[m1];
                if (id0 == id1)
                {
                    continue;
                }

                table.Add(
                    newClusters[j].Id,
                    newClusters[j].Label,
                    Format.Integer(newClusters[j].SampleCount),
                    id0,
                    Format.Percent(oldClusters[i].Quality[m0]),
                    Format.Usd(oldClusters[i].CostUsd[m0]),
                    id1,
                    Format.Percent(newClusters[j].Quality[m1]),
                    Format.Usd(newClusters[j].CostUsd[m1]),
                    after.Tables.ExplainWinner(j, newPreset.Options.Policy, newPreset.Options.Knob));
            }

            if (table.RowCount == 0)
            {
                output.WriteLine($"None of the {Format.Integer(matched)} matched clusters changes its model.");
            }
            else
            {
                output.WriteLine($"{Format.Integer(table.RowCount)} of {Format.Integer(matched)} matched clusters change their model:");
                output.WriteLine();
                table.WriteTo(output);
            }

            WriteUnmatchedWinners(after, newPreset, oldClusters, newClusters, "added", output);
            output.WriteLine();
        }

        private static void WriteUnmatchedWinners(RouterProfile after, NamedOptions preset, List<ClusterDefinition> oldClusters, List<ClusterDefinition> newClusters, string what, TextWriter output)
        {
            var added = new List<string>();
            for (int j = 0; j < newClusters.Count; j++)
            {
                if (!oldClusters.Exists(c => c.Id == newClusters[j].Id))
                {
                    added.Add($"{newClusters[j].Id} → {after.Tables.ModelIds[PresetOutcomes.Winner(after, j, preset.Options)]}");
                }
            }

            if (added.Count > 0)
            {
                output.WriteLine();
                output.WriteLine($"Winners in {what} clusters: {string.Join("; ", added)}.");
            }
        }

        private static string DescribeModels(ProfileDefinition a, ProfileDefinition b)
        {
            var parts = new List<string>();
            List<string> added = b.Models.Where(m => a.IndexOfModel(m.Id) < 0).Select(m => $"{m.Id} ({Format.Usd(m.CostPerRequestUsd)}/request)").ToList();
            List<string> removed = a.Models.Where(m => b.IndexOfModel(m.Id) < 0).Select(m => m.Id).ToList();
            var repriced = new List<string>();
            foreach (ModelDefinition m in b.Models)
            {
                int i = a.IndexOfModel(m.Id);
                if (i >= 0 && !a.Models[i].CostPerRequestUsd.Equals(m.CostPerRequestUsd))
                {
                    repriced.Add($"{m.Id} {Format.Usd(a.Models[i].CostPerRequestUsd)} → {Format.Usd(m.CostPerRequestUsd)}");
                }
            }

            if (added.Count > 0)
            {
                parts.Add("added " + string.Join(", ", added));
            }

            if (removed.Count > 0)
            {
                parts.Add("removed " + string.Join(", ", removed));
            }

            if (repriced.Count > 0)
            {
                parts.Add("cost per request changed: " + string.Join(", ", repriced));
            }

            return parts.Count == 0 ? $"unchanged ({Format.Integer(b.Models.Count)})" : string.Join("; ", parts);
        }

        private static void WriteClusterSummary(ProfileDefinition a, ProfileDefinition b, TextWriter output)
        {
            List<string> added = b.Clusters.Where(c => !a.Clusters.Exists(o => o.Id == c.Id)).Select(c => $"{c.Id} \"{c.Label}\"").ToList();
            List<string> removed = a.Clusters.Where(c => !b.Clusters.Exists(n => n.Id == c.Id)).Select(c => $"{c.Id} \"{c.Label}\"").ToList();
            int matched = b.Clusters.Count - added.Count;
            string line = $"- clusters: {Format.Integer(a.Clusters.Count)} → {Format.Integer(b.Clusters.Count)}, {Format.Integer(matched)} matched by id";
            if (added.Count > 0)
            {
                line += "; added " + string.Join(", ", added);
            }

            if (removed.Count > 0)
            {
                line += "; removed " + string.Join(", ", removed);
            }

            output.WriteLine(line);

            // Calibration keeps centroids frozen; re-clustering moves them. A reviewer should know which happened.
            int moved = 0;
            double lowest = 1;
            foreach (ClusterDefinition n in b.Clusters)
            {
                ClusterDefinition? o = a.Clusters.Find(c => c.Id == n.Id);
                if (o is null || o.Centroid.AsSpan().SequenceEqual(n.Centroid))
                {
                    continue;
                }

                moved++;
                lowest = Math.Min(lowest, o.Centroid.Length == n.Centroid.Length ? Cosine(o.Centroid, n.Centroid) : double.NaN);
            }

            output.WriteLine(moved == 0
                ? "- centroids: unchanged for every matched cluster"
                : $"- centroids: {Format.Integer(moved)} of {Format.Integer(matched)} matched clusters moved (lowest cosine to the old centroid {(double.IsNaN(lowest) ? "n/a: dimension changed" : lowest.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture))})");
        }

        private static string DescribePresets(ProfileDefinition a, ProfileDefinition b)
        {
            var parts = new List<string>();
            foreach (PresetDefinition p in b.Presets)
            {
                PresetDefinition? o = a.Presets.Find(x => x.Name == p.Name);
                if (o is null)
                {
                    parts.Add($"added {p.Name} ({RoutingPolicyNames.Format(p.Policy)} {Format.Number(p.Value)})");
                }
                else if (o.Policy != p.Policy || !o.Value.Equals(p.Value))
                {
                    parts.Add($"{p.Name} {RoutingPolicyNames.Format(o.Policy)} {Format.Number(o.Value)} → {RoutingPolicyNames.Format(p.Policy)} {Format.Number(p.Value)}");
                }
            }

            parts.AddRange(a.Presets.Where(o => !b.Presets.Exists(p => p.Name == o.Name)).Select(o => $"removed {o.Name}"));
            return parts.Count == 0 ? $"unchanged ({string.Join(", ", b.Presets.Select(p => p.Name))})" : string.Join("; ", parts);
        }

        private static double Cosine(float[] x, float[] y)
        {
            double dot = 0, nx = 0, ny = 0;
            for (int i = 0; i < x.Length; i++)
            {
                dot += (double)x[i] * y[i];
                nx += (double)x[i] * x[i];
                ny += (double)y[i] * y[i];
            }

            return nx > 0 && ny > 0 ? dot / Math.Sqrt(nx * ny) : 0;
        }
    }
}
