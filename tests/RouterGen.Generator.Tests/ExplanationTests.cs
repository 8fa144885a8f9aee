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

        [Theory]
        [InlineData("random:16x384x6", 3, RoutingPolicy.CostWeighted)]
        [InlineData("random:16x384x6", 6, RoutingPolicy.Shortfall)]
        [InlineData("random:64x256x12:soft-clusters:3", 0, RoutingPolicy.Shortfall)]
        [InlineData("random:24x384x24:linear", 3, RoutingPolicy.CostWeighted)]
        public void ASoftClusterDecisionNamesTheBlendedClustersWithTheirWeightsAndTheRunnerUp(string profile, int topClusters, RoutingPolicy policy)
        {
            RouterPair pair = RandomPair(profile);
            RouterTables tables = pair.Loaded.Tables;
            int top = topClusters == 0 ? tables.DefaultTopClusters : topClusters;
            bool linear = pair.Loaded.Definition.Estimator?.Kind == RouterGen.Profiles.EstimatorDefinition.LinearKind;
            var random = new Random(3);
            int explained = 0;
            for (int i = 0; i < 200 && explained < 20; i++)
            {
                float[] embedding = NearACentroid(pair, random);
                var options = new RoutingOptions(policy, policy == RoutingPolicy.Shortfall ? 0.05 : 0.3);
                options = topClusters == 0 ? options : options.WithTopClusters(topClusters);
                RouteDecision decision = pair.Generated(embedding, options);
                if (decision.IsFallback)
                {
                    continue;
                }

                string text = decision.Explain();
                Assert.Equal(text, pair.Loaded.Route(embedding, options).Explain());
                Assert.Contains("In distribution, so no fallback", text, StringComparison.Ordinal);
                Assert.Contains(linear ? "learned estimator predicted each model's quality" : $"the {top} nearest clusters' quality and cost were blended", text, StringComparison.Ordinal);

                // The clusters and weights are the search's own and the blend's (CentroidSearch.NearestClusters, ClusterWeights).
                var nearest = new int[top];
                var similarities = new float[top];
                int count = CentroidSearch.NearestClusters(pair.Loaded.UnitCentroids, tables.Dimension, embedding, nearest, similarities);
                var weights = new double[count];
                QualityEstimation.ClusterWeights(similarities.AsSpan(0, count), weights);
                for (int r = 0; r < Math.Min(count, 4); r++)
                {
                    Assert.Contains($"#{nearest[r]} \"{tables.ClusterLabels[nearest[r]]}\" ({(r == 0 ? "weight " : "")}{weights[r]:0.00})", text, StringComparison.Ordinal);
                }

                Assert.Equal(count > 4, text.Contains($"and {count - 4} more", StringComparison.Ordinal));

                // The chosen model with this prompt's estimate, and the runner-up: the policy's choice without the winner.
                Assert.Contains(RouteExplanation.Choice(decision.ModelId, decision.ExpectedQuality, decision.ExpectedCostUsd), text, StringComparison.Ordinal);
                RouteDecision runnerUp = pair.Generated(embedding, options.WithAllowedModels(ModelMask.All.Without(decision.ModelIndex)));
                Assert.Contains($"The runner-up is {RouteExplanation.Choice(runnerUp.ModelId, runnerUp.ExpectedQuality, runnerUp.ExpectedCostUsd)}", text, StringComparison.Ordinal);
                Assert.Contains(policy == RoutingPolicy.Shortfall ? "Shortfall policy (HyDRA), τ = 0.05, over this prompt's estimate" : "Cost-weighted policy, w = 0.3, over this prompt's estimate", text, StringComparison.Ordinal);
                explained++;
            }

            Assert.Equal(20, explained);
        }

        [Fact]
        public void ALearnedEstimatorDecisionGivesTheHeadsEstimateTheRunnerUpAndTheClustersView()
        {
            RouterPair pair = RandomPair("random:24x384x24:linear");
            RouterTables tables = pair.Loaded.Tables;
            var random = new Random(4);
            float[] embedding = NearACentroid(pair, random);
            RouteDecision decision = pair.Generated(embedding, RoutingOptions.CostWeighted(0.2));
            Assert.True(decision.IsEstimated);

            string[] lines = decision.Explain().Split('\n');
            RouteDecision runnerUp = pair.Generated(embedding, RoutingOptions.CostWeighted(0.2).WithAllowedModels(ModelMask.All.Without(decision.ModelIndex)));
            Assert.Equal($"The prompt is nearest to cluster #{decision.ClusterIndex} \"{decision.ClusterLabel}\" (similarity {RouteExplanation.Similarity(decision.Similarity)} ≥ {RouteExplanation.Number(tables.MinSimilarity)}).", lines[0]);
            Assert.Equal("In distribution, so no fallback: the profile's learned estimator predicted each model's quality for this prompt (one calibrated logistic head per model), with the nearest cluster's costs.", lines[1]);
            double u = RoutingMath.CostWeightedUtility(decision.ExpectedQuality, decision.ExpectedCostUsd, tables.CostScale, 0.2);
            double u2 = RoutingMath.CostWeightedUtility(runnerUp.ExpectedQuality, runnerUp.ExpectedCostUsd, tables.CostScale, 0.2);
            Assert.Equal(
                $"Cost-weighted policy, w = 0.2, over this prompt's estimate: utility = (1 − w)·quality − w·cost/{RouteExplanation.Usd(tables.CostScale)}; " +
                $"{RouteExplanation.Choice(decision.ModelId, decision.ExpectedQuality, decision.ExpectedCostUsd)} has the highest, {RouteExplanation.Utility(u)}. " +
                $"The runner-up is {RouteExplanation.Choice(runnerUp.ModelId, runnerUp.ExpectedQuality, runnerUp.ExpectedCostUsd)}, utility {RouteExplanation.Utility(u2)}: " +
                $"{RouteExplanation.PointsDelta(runnerUp.ExpectedQuality - decision.ExpectedQuality)} quality, {RouteExplanation.UsdDelta(runnerUp.ExpectedCostUsd - decision.ExpectedCostUsd)} per request.",
                lines[2]);
            Assert.True(u >= u2);
            Assert.StartsWith($"The nearest cluster's own statistics give {decision.ModelId} quality {RouteExplanation.Percent(tables.QualityOf(decision.ClusterIndex, decision.ModelIndex))}", lines[3], StringComparison.Ordinal);

            // A distant prompt takes the knob-honouring fallback, and says so instead.
            float[] distant = Enumerable.Range(0, tables.Dimension).Select(_ => (float)GeneratedRouters.Gaussian(random)).ToArray();
            RouteDecision fallback = pair.Generated(distant, RoutingOptions.CostWeighted(0.2));
            Assert.True(fallback.IsFallback);
            Assert.Contains("out of distribution", fallback.Explain(), StringComparison.Ordinal);
            Assert.DoesNotContain("no fallback", fallback.Explain(), StringComparison.Ordinal);
        }

        private static RouterPair RandomPair(string profile)
        {
            string[] parts = profile["random:".Length..].Split(':', 2);
            int[] shape = parts[0].Split('x').Select(int.Parse).ToArray();
            string? estimator = parts.Length > 1 ? parts[1] : null;
            string name = $"Explained{shape[0]}x{shape[1]}{(estimator == null ? "" : "Estimated")}";
            return GeneratedRouters.Compile(name, GeneratedRouters.RandomProfileJson(name, shape[0], shape[1], shape[2], seed: shape[0] * 31 + shape[1], estimator: estimator));
        }

        private static float[] NearACentroid(RouterPair pair, Random random)
        {
            int dimension = pair.Loaded.Tables.Dimension;
            int anchor = random.Next(pair.Loaded.Tables.ClusterCount);
            var embedding = new float[dimension];
            for (int d = 0; d < dimension; d++)
            {
                embedding[d] = pair.Loaded.UnitCentroids[(anchor * dimension) + d] + (float)(GeneratedRouters.Gaussian(random) / Math.Sqrt(dimension));
            }

            return embedding;
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
