using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Generator.Tests
{
    /// <summary>
    /// The "why this model wins" text has one source: the comment the generator writes above every switch arm is the last
    /// line of <see cref="RouteDecision.Explain"/> for a prompt that lands in that cluster with a knob in that arm's interval.
    /// </summary>
    public sealed class ExplanationTests
    {
        public static TheoryData<string> RepositoryProfiles() => new(GeneratedRouters.RepositoryProfiles().Select(Path.GetFileName).Where(f => f is "example.router.json" or "swebench-verified.router.json")!);

        [Theory]
        [MemberData(nameof(RepositoryProfiles))]
        public void EveryArmCommentIsTheExplanationOfTheDecisionInItsInterval(string fileName)
        {
            string path = GeneratedRouters.RepositoryProfiles().Single(f => Path.GetFileName(f) == fileName);
            string json = File.ReadAllText(path);
            string source = GeneratorHarness.Run(new InMemoryAdditionalText(path, json)).Sources.Single().SourceText.ToString();
            RouterPair pair = GeneratedRouters.Compile(Path.GetFileNameWithoutExtension(fileName), json);
            RouterTables tables = pair.Loaded.Tables;
            int dimension = tables.Dimension;
            int compared = 0;
            foreach (RoutingPolicy policy in new[] { RoutingPolicy.CostWeighted, RoutingPolicy.Shortfall })
            {
                List<string>[] arms = ArmComments(source, policy == RoutingPolicy.Shortfall ? "ShortfallWinner" : "CostWeightedWinner", tables.ClusterCount);
                for (int c = 0; c < tables.ClusterCount; c++)
                {
                    KnobBreakpoints breakpoints = tables.BreakpointsOf(c, policy);
                    Assert.Equal(breakpoints.Models.Length, arms[c].Count);
                    ReadOnlySpan<float> centroid = pair.Loaded.UnitCentroids.Slice(c * dimension, dimension);
                    for (int i = 0; i < breakpoints.Models.Length; i++)
                    {
                        double knob = i == 0 ? 0 : breakpoints.UpperBounds[i - 1];
                        Assert.Equal(i, breakpoints.IntervalAt(knob));
                        RouteDecision decision = pair.Generated(centroid, new RoutingOptions(policy, knob));
                        Assert.Equal(c, decision.ClusterIndex);
                        Assert.False(decision.IsFallback);
                        Assert.Equal(breakpoints.Models[i], decision.ModelIndex);
                        string[] explanation = decision.Explain().Split('\n');
                        Assert.Equal(arms[c][i], "// " + explanation[^1]);
                        Assert.Equal(explanation, pair.Loaded.Route(centroid, new RoutingOptions(policy, knob)).Explain().Split('\n'));
                        compared++;
                    }
                }
            }

            Assert.True(compared >= 2 * tables.ClusterCount, $"{compared} arms compared");
        }

        // The "why" lines of each cluster in one winner method: the comments between "// Cluster c" and "case c:" that are
        // not rows of the cluster's statistics table (indented by three spaces).
        private static List<string>[] ArmComments(string source, string method, int clusters)
        {
            string[] lines = source.Split('\n').Select(l => l.Trim()).ToArray();
            int start = Array.FindIndex(lines, l => l.StartsWith($"private static int {method}(", StringComparison.Ordinal));
            Assert.True(start >= 0, method + " not found");
            var arms = new List<string>[clusters];
            int at = start;
            for (int c = 0; c < clusters; c++)
            {
                at = Array.FindIndex(lines, at, l => l.StartsWith($"// Cluster {c} \"", StringComparison.Ordinal));
                int end = Array.FindIndex(lines, at, l => l == $"case {c}:");
                arms[c] = lines[(at + 1)..end].Where(l => l.StartsWith("// ", StringComparison.Ordinal) && !l.StartsWith("//   ", StringComparison.Ordinal)).ToList();
                at = end;
            }

            return arms;
        }
    }
}
