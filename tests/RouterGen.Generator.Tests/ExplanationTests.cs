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

        [Fact]
        public void ALowConfidenceDecisionNamesTheTwoBestModelsTheMarginAndTheThreshold()
        {
            const double threshold = 0.02;
            RouterPair plain = RandomPair("random:24x384x24:linear");
            RouterPair guarded = RandomPair("random:24x384x24:linear", threshold);
            RouterTables tables = guarded.Loaded.Tables;
            Assert.Equal(threshold, tables.LowConfidenceMargin);
            var random = new Random(9);
            int lowConfidence = 0, estimated = 0;
            for (int i = 0; i < 40; i++)
            {
                float[] embedding = NearACentroid(guarded, random);
                var options = RoutingOptions.CostWeighted(0.3);
                // Each model's estimate for this prompt: the plain router with that model alone allowed reports it.
                double[] quality = Enumerable.Range(0, tables.ModelCount)
                    .Select(m => plain.Generated(embedding, options.WithAllowedModels(ModelMask.FromAllowedBits(1UL << m))).ExpectedQuality).ToArray();
                int leader = Array.IndexOf(quality, quality.Max());
                int second = Enumerable.Range(0, quality.Length).Where(m => m != leader).OrderByDescending(m => quality[m]).ThenBy(m => m).First();
                RouteDecision decision = guarded.Generated(embedding, options);
                if (quality[leader] - quality[second] >= threshold)
                {
                    Assert.Equal(RouteFallbackReason.None, decision.FallbackReason);
                    Assert.True(decision.IsEstimated);
                    Assert.True(double.IsNaN(decision.EstimateMargin));
                    estimated++;
                    continue;
                }

                lowConfidence++;
                Assert.Equal(RouteFallbackReason.LowConfidence, decision.FallbackReason);
                Assert.True(decision.IsFallback);
                Assert.False(decision.IsEstimated);
                Assert.Equal(-1, decision.StatisticsCluster);
                Assert.Equal(quality[leader] - quality[second], decision.EstimateMargin);
                // The global statistics under the request's own policy and knob: what an out-of-distribution prompt gets.
                float[] distant = new float[tables.Dimension];
                RouteDecision outOfDistribution = guarded.Generated(distant, options);
                Assert.Equal(RouteFallbackReason.OutOfDistribution, outOfDistribution.FallbackReason);
                Assert.Equal(outOfDistribution.ModelIndex, decision.ModelIndex);
                Assert.Equal(outOfDistribution.ExpectedQuality, decision.ExpectedQuality);

                string[] lines = decision.Explain().Split('\n');
                Assert.Equal(3, lines.Length);
                Assert.Equal($"The prompt is nearest to cluster #{decision.ClusterIndex} \"{decision.ClusterLabel}\" (similarity {RouteExplanation.Similarity(decision.Similarity)} ≥ {RouteExplanation.Number(tables.MinSimilarity)}).", lines[0]);
                Assert.Equal(
                    $"Low confidence: the learned estimator's best allowed model, {tables.ModelIds[leader]} ({RouteExplanation.Percent(quality[leader])}), leads the runner-up, {tables.ModelIds[second]} ({RouteExplanation.Percent(quality[second])}), " +
                    $"by {RouteExplanation.Points(quality[leader] - quality[second])}, less than the profile's low-confidence margin of 2.00 pp: the estimate cannot tell them apart, so the global (sample-weighted) statistics decide.",
                    lines[1]);
                Assert.Equal($"Under cost-weighted 0.3 over the models' global statistics, the best is {RouteExplanation.Choice(decision.ModelId, decision.ExpectedQuality, decision.ExpectedCostUsd)}.", lines[2]);
                Assert.Contains("low-confidence fallback", decision.ToString(), StringComparison.Ordinal);

                // Another knob keeps the fallback (the margin does not depend on it) and follows the new knob.
                RouteDecision rerouted = decision.Reroute(RoutingOptions.Shortfall(0.05));
                Assert.Equal(RouteFallbackReason.LowConfidence, rerouted.FallbackReason);
                Assert.Equal(guarded.Generated(distant, RoutingOptions.Shortfall(0.05)).ModelIndex, rerouted.ModelIndex);
            }

            Assert.True(lowConfidence > 0 && estimated > 0, $"{lowConfidence} low-confidence and {estimated} estimated decisions: both paths must be seen");
        }

        private static RouterPair RandomPair(string profile, double lowConfidenceMargin = 0)
        {
            string[] parts = profile["random:".Length..].Split(':', 2);
            int[] shape = parts[0].Split('x').Select(int.Parse).ToArray();
            string? estimator = parts.Length > 1 ? parts[1] : null;
            string name = $"Explained{shape[0]}x{shape[1]}{(estimator == null ? "" : "Estimated")}{(lowConfidenceMargin > 0 ? "LowConfidence" : "")}";
            return GeneratedRouters.Compile(name, GeneratedRouters.RandomProfileJson(name, shape[0], shape[1], shape[2], seed: shape[0] * 31 + shape[1], estimator: estimator, lowConfidenceMargin: lowConfidenceMargin));
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
