using System;
using System.Linq;
using RouterGen.Profiles;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Fitting.Tests
{
    /// <summary>
    /// fit ships the estimator it measured: a profile with the learned estimator (format version 2) routes every
    /// in-distribution prompt to the model held-out evaluation scored for that estimator, at every knob.
    /// </summary>
    public sealed class FitEstimatorTests
    {
        private static readonly EmbedderFactory BuiltIn64 = _ => EmbedderSetup.BuiltIn(64);

        private static FitPipelineOptions Options(string estimator, HeadCalibration calibration = HeadCalibration.Platt) => new()
        {
            Estimator = estimator,
            Fit = new FitSettings { RouterName = "FitEstimatorRouter" },
            HeldOut = new EvaluationOptions { Folds = 3, Seeds = 1, BootstrapSamples = 20, Linear = new LinearEstimatorOptions { Calibration = calibration } },
        };

        [Theory]
        [InlineData(HeadCalibration.Platt)]
        [InlineData(HeadCalibration.Isotonic)]
        public void FittedLinearProfileRoutesAsEvaluationScoredTheLinearEstimator(HeadCalibration calibration)
        {
            RoutingDataset data = SyntheticRoutingData.Generate(160, models: 4, topics: 4, seed: 21);
            FitResult result = FitPipeline.Fit(data, BuiltIn64, Options(EstimatorKinds.Linear, calibration));
            ProfileDefinition fitted = result.Profile;
            Assert.Equal(2, fitted.FormatVersion);
            Assert.Equal(EstimatorDefinition.LinearKind, fitted.Estimator!.Kind);
            Assert.Equal(4, fitted.Estimator.Heads.Count);
            Assert.All(fitted.Estimator.Heads, h => Assert.Equal(calibration == HeadCalibration.Isotonic, h.IsotonicLogits != null));
            Assert.Contains(calibration == HeadCalibration.Isotonic ? "isotonic-calibrated" : "Platt-calibrated", fitted.Provenance!.Notes, StringComparison.Ordinal);
            Assert.Contains("Estimator: learned linear", fitted.Provenance!.Notes, StringComparison.Ordinal);
            Assert.Contains("(given by --estimator)", fitted.Provenance.Notes, StringComparison.Ordinal);
            Assert.Contains(fitted.Presets, p => p.Name == FitPipeline.MatchBestSinglePreset);

            // Through the file format, as a user deploys it.
            RouterProfile deployed = RouterProfile.Parse(ProfileWriter.ToJson(fitted), "fitted");
            string[] texts = data.Prompts.Select(p => p.Text).ToArray();
            EmbeddingMatrix embeddings = PromptEmbedding.EmbedAll(deployed.BuiltInEmbedder!, texts);
            int[] rows = Enumerable.Range(0, data.PromptCount).ToArray();
            LinearQualityEstimator linear = result.ClusterChoice!.Linear!;
            var predicted = new double[rows.Length * data.ModelCount];
            for (int i = 0; i < rows.Length; i++)
            {
                linear.Predict(embeddings.Row(i), predicted.AsSpan(i * data.ModelCount, data.ModelCount));
            }

            var options = new EvaluationOptions();
            PolicyPoint[] points = Array.FindAll(PolicyPoint.All(options), p => p.Family is PolicyFamilies.Linear or PolicyFamilies.LinearShortfall);
            HeldOutOutcomes outcomes = HeldOutOutcomes.Allocate(points, rows.Length);
            var router = new FittedRouter(deployed.Definition, deployed, null!, null!);
            HeldOutEvaluator.Score(new HeldOutFold(data, embeddings, deployed.Definition.Embedder, [], rows, rows), router, options, outcomes, predicted);

            int compared = 0, estimated = 0;
            for (int p = 0; p < points.Length; p++)
            {
                for (int i = 0; i < rows.Length; i++)
                {
                    RouteDecision decision = deployed.Route(embeddings.Row(i), PolicyOptions(points[p]));
                    if (decision.IsFallback)
                    {
                        continue; // the fallback rule is the shared flow's, not the estimator's
                    }

                    compared++;
                    estimated += decision.IsEstimated ? 1 : 0;
                    // The deployed router's estimate is the fit's own prediction, bit for bit (the same calibration code).
                    Assert.Equal(predicted[(i * data.ModelCount) + decision.ModelIndex], decision.ExpectedQuality);
                    Assert.Equal(outcomes.Scores[outcomes.IndexOf(p, i)], data.Score(i, decision.ModelIndex));
                    Assert.Equal(outcomes.Costs[outcomes.IndexOf(p, i)], data.CostUsd(i, decision.ModelIndex));
                }
            }

            Assert.True(compared > points.Length * rows.Length / 2, $"only {compared} in-distribution decisions compared");
            Assert.Equal(compared, estimated);
        }

        [Fact]
        public void TheLowConfidenceThresholdIsChosenAmongFixedCandidatesAndShipped()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(160, models: 4, topics: 4, seed: 21);
            FitResult result = FitPipeline.Fit(data, BuiltIn64, Options(EstimatorKinds.Linear));
            ClusterCountChoice choice = result.ClusterChoice!;
            Assert.Equal(0, choice.LowConfidenceCandidates[0]);
            Assert.True(choice.LowConfidenceCandidates.Count > 1, "quantiles of the inner-fold margins are candidates too");
            Assert.Contains(choice.LowConfidenceMargin, choice.LowConfidenceCandidates);
            Assert.Equal(choice.LowConfidenceMargin, result.Profile.Fallback.LowConfidenceMargin);
            Assert.Contains("Low-confidence fallback: ", result.Profile.Provenance!.Notes, StringComparison.Ordinal);

            // The chosen threshold is the best by inner AIQ on the learned estimator's own clusters, and off ties win.
            ClusterCountCandidate best = choice.BestPerEstimator[EstimatorKinds.Linear];
            ClusterCountCandidate[] sameClusters = choice.Candidates.Where(c => c.Estimator == EstimatorKinds.Linear && c.K == best.K && c.PriorStrength == best.PriorStrength).ToArray();
            Assert.Equal(choice.LowConfidenceCandidates.Count, sameClusters.Length);
            Assert.True(best.Aiq >= sameClusters.Max(c => c.Aiq) - ClusterCountSelection.AiqTieTolerance);
            Assert.True(best.LowConfidenceMargin == 0 || best.Aiq > sameClusters.Single(c => c.LowConfidenceMargin == 0).Aiq + ClusterCountSelection.AiqTieTolerance);
        }

        [Fact]
        public void EvaluationScoresTheLowConfidenceFallbackAsTheDeployedRouterRoutes()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(160, models: 4, topics: 4, seed: 21);
            FitResult result = FitPipeline.Fit(data, BuiltIn64, Options(EstimatorKinds.Linear));
            string[] texts = data.Prompts.Select(p => p.Text).ToArray();
            int[] rows = Enumerable.Range(0, data.PromptCount).ToArray();
            LinearQualityEstimator linear = result.ClusterChoice!.Linear!;
            RouterProfile plain = RouterProfile.Parse(ProfileWriter.ToJson(result.Profile), "fitted");
            EmbeddingMatrix embeddings = PromptEmbedding.EmbedAll(plain.BuiltInEmbedder!, texts);
            var predicted = new double[rows.Length * data.ModelCount];
            for (int i = 0; i < rows.Length; i++)
            {
                linear.Predict(embeddings.Row(i), predicted.AsSpan(i * data.ModelCount, data.ModelCount));
            }

            // A threshold that sends about a fifth of the prompts to the global statistics, whatever the fit chose.
            double margin = ClusterCountSelection.MarginCandidates(predicted, data.ModelCount).Where(m => m > 0).Skip(2).First();
            result.Profile.Fallback.LowConfidenceMargin = margin;
            RouterProfile deployed = RouterProfile.Parse(ProfileWriter.ToJson(result.Profile), "fitted with a margin");

            var options = new EvaluationOptions();
            PolicyPoint[] points = Array.FindAll(PolicyPoint.All(options), p => p.Family is PolicyFamilies.Linear or PolicyFamilies.LinearShortfall);
            HeldOutOutcomes outcomes = HeldOutOutcomes.Allocate(points, rows.Length);
            var router = new FittedRouter(deployed.Definition, deployed, null!, null!);
            int unsure = HeldOutEvaluator.Score(new HeldOutFold(data, embeddings, deployed.Definition.Embedder, [], rows, rows), router, options, outcomes, predicted, lowConfidenceMargin: margin);

            int lowConfidence = 0, estimated = 0;
            for (int p = 0; p < points.Length; p++)
            {
                for (int i = 0; i < rows.Length; i++)
                {
                    RouteDecision decision = deployed.Route(embeddings.Row(i), PolicyOptions(points[p]));
                    lowConfidence += decision.FallbackReason == RouteFallbackReason.LowConfidence ? 1 : 0;
                    estimated += decision.IsEstimated ? 1 : 0;
                    Assert.Equal(outcomes.Scores[outcomes.IndexOf(p, i)], data.Score(i, decision.ModelIndex));
                    Assert.Equal(outcomes.Costs[outcomes.IndexOf(p, i)], data.CostUsd(i, decision.ModelIndex));
                }
            }

            Assert.Equal(unsure * points.Length, lowConfidence);
            Assert.True(unsure > 0 && estimated > 0, $"{unsure} low-confidence rows, {estimated} estimated decisions: both paths must be compared");
        }

        [Fact]
        public void ForcedNearestClusterFitStaysVersion1AndUnknownEstimatorIsRefused()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(90, models: 3, topics: 3, seed: 5);
            FitResult result = FitPipeline.Fit(data, BuiltIn64, Options(EstimatorKinds.NearestCluster));
            Assert.Equal(1, result.Profile.FormatVersion);
            Assert.Null(result.Profile.Estimator);
            Assert.Contains("\"formatVersion\": 1", ProfileWriter.ToJson(result.Profile), StringComparison.Ordinal);

            ArgumentException e = Assert.Throws<ArgumentException>(() => FitPipeline.Fit(data, BuiltIn64, Options("forest")));
            Assert.Contains("auto, nearest-cluster, linear, soft-clusters", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AutoShipsTheEstimatorWithTheBestHeldOutAiqAndSaysWhy()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(160, models: 4, topics: 4, seed: 21);
            FitResult result = FitPipeline.Fit(data, BuiltIn64, Options(FitPipeline.AutoEstimator));
            string shipped = result.Profile.Estimator?.Kind switch
            {
                EstimatorDefinition.LinearKind => EstimatorKinds.Linear,
                EstimatorDefinition.SoftClustersKind => EstimatorKinds.SoftClusters,
                _ => EstimatorKinds.NearestCluster,
            };
            Assert.Equal(shipped == EstimatorKinds.NearestCluster ? 1 : 2, result.Profile.FormatVersion);
            double Aiq(string estimator)
            {
                (string costWeighted, string shortfall) = PolicyFamilies.Of(estimator);
                return Math.Max(result.HeldOut.Family(costWeighted)!.Aiq.Estimate, result.HeldOut.Family(shortfall)!.Aiq.Estimate);
            }

            foreach (string other in result.ClusterChoice!.BestPerEstimator.Keys)
            {
                Assert.True(Aiq(shipped) >= Aiq(other) - ClusterCountSelection.AiqTieTolerance, $"{shipped} shipped but {other} has the higher held-out AIQ");
            }

            Assert.Contains("-fold inner AIQ (", result.Profile.Provenance!.Notes, StringComparison.Ordinal);
            Assert.Contains("held-out AIQ", result.Profile.Provenance.Notes, StringComparison.Ordinal);
        }

        private static RoutingOptions PolicyOptions(PolicyPoint point) =>
            new(PolicyFamilies.IsShortfall(point.Family) ? RoutingPolicy.Shortfall : RoutingPolicy.CostWeighted, point.Knob);
    }
}
