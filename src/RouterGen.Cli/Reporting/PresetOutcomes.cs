using System.Collections.Generic;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Cli.Reporting
{
    /// <summary>A knob setting with the name reports show for it.</summary>
    internal sealed record NamedOptions(string Name, RoutingOptions Options)
    {
        /// <summary>The policy's name, as profiles write it.</summary>
        public string Policy => RoutingPolicyNames.Format(Options.Policy);

        /// <summary>The knob value.</summary>
        public double Knob => Options.Knob;
    }

    /// <summary>
    /// What a profile decides at each of its presets, cluster by cluster, computed by the runtime router itself (not by
    /// a re-implementation), and the sample-weighted expectations that follow.
    /// </summary>
    internal static class PresetOutcomes
    {
        /// <summary>Name used when a profile has no presets: routing with the default options (maximum quality).</summary>
        public const string DefaultName = "default (max quality)";

        /// <summary>The profile's presets in file order, or the default options when it defines none.</summary>
        public static IReadOnlyList<NamedOptions> Presets(RouterProfile profile)
        {
            var result = new List<NamedOptions>();
            foreach (PresetDefinition preset in profile.Definition.Presets)
            {
                profile.Tables.TryGetPreset(preset.Name, out RoutingOptions options);
                result.Add(new NamedOptions(preset.Name, options));
            }

            if (result.Count == 0)
            {
                result.Add(new NamedOptions(DefaultName, RoutingOptions.MaxQuality));
            }

            return result;
        }

        /// <summary>
        /// The model a prompt in <paramref name="cluster"/> is routed to (in distribution, every model allowed): the router's
        /// own breakpoints, so a report can never disagree with the router at a tie.
        /// </summary>
        public static int Winner(RouterProfile profile, int cluster, in RoutingOptions options) =>
            profile.WinnerAt(cluster, options.Policy, options.Knob);

        /// <summary>
        /// Expected quality and cost per request when each cluster's prompts go to its winner, weighted by the clusters'
        /// sample counts (equal weights when no cluster records samples).
        /// </summary>
        public static (double Quality, double CostUsd) Expected(RouterProfile profile, in RoutingOptions options)
        {
            IReadOnlyList<ClusterDefinition> clusters = profile.Definition.Clusters;
            double total = 0;
            foreach (ClusterDefinition cluster in clusters)
            {
                total += cluster.SampleCount;
            }

            double quality = 0, cost = 0, weightSum = 0;
            for (int c = 0; c < clusters.Count; c++)
            {
                double weight = total > 0 ? clusters[c].SampleCount : 1;
                int model = Winner(profile, c, options);
                quality += weight * clusters[c].Quality[model];
                cost += weight * clusters[c].CostUsd[model];
                weightSum += weight;
            }

            return weightSum > 0 ? (quality / weightSum, cost / weightSum) : (0, 0);
        }

        /// <summary>"shortfall 0.03" / "cost-weighted 0.2".</summary>
        public static string Describe(NamedOptions preset) => $"{preset.Policy} {Format.Number(preset.Knob)}";
    }
}
