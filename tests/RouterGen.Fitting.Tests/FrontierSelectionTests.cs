using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Xunit;

namespace RouterGen.Fitting.Tests
{
    public sealed class FrontierSelectionTests
    {
        private static readonly EmbedderSetup BuiltIn = EmbedderSetup.BuiltIn(256);

        [Fact]
        public void HullKeepsOnlyPointsThatRaiseQualityAndAreAboveTheChord()
        {
            // (3, 0.4) is worse than a cheaper point; (1, 0.2) lies below the chord from (0, 0.1) to (2, 0.9).
            FrontierVertex[] hull = QualityCostFrontier.Hull(new double[] { 3, 2, 1, 0 }, new double[] { 0.4, 0.9, 0.2, 0.1 });
            Assert.Equal(new[] { new FrontierVertex(0, 0.1), new FrontierVertex(2, 0.9) }, hull);
        }

        [Fact]
        public void AiqIsTheAreaUnderTheHullOverTheRange()
        {
            // Hull (0, .2) → (1, .5) → (2, .6), flat to 3: 0.35 + 0.55 + 0.6 = 1.5 over a range of 3.
            Assert.Equal(0.5, QualityCostFrontier.Aiq(new double[] { 0, 1, 2, 3 }, new double[] { 0.2, 0.5, 0.6, 0.4 }, 0, 3), 12);

            // One point at cost 2: nothing below it (0 on [0, 2]), 0.8 on [2, 4].
            Assert.Equal(0.4, QualityCostFrontier.Aiq(new double[] { 2 }, new double[] { 0.8 }, 0, 4), 12);

            // Clipped to [1, 2] of the line from (0, 0) to (4, 1): mean of 0.25 and 0.5.
            Assert.Equal(0.375, QualityCostFrontier.Aiq(new double[] { 0, 4 }, new double[] { 0, 1 }, 1, 2), 12);

            // At equal cost the better point counts; an empty range has no area.
            Assert.Equal(0.7, QualityCostFrontier.Aiq(new double[] { 1, 1 }, new double[] { 0.3, 0.7 }, 1, 2), 12);
            Assert.True(double.IsNaN(QualityCostFrontier.Aiq(new double[] { 1 }, new double[] { 0.3 }, 2, 2)));
        }

        [Fact]
        public void DeployablePointsAreTheEstimatorTheFitChoseOrTheNearestClusterWithoutAChoice()
        {
            // With the learned estimator on, every fit chooses its estimator: the selected families are what it ships.
            PolicyPoint[] chosen = PolicyPoint.All(new EvaluationOptions());
            bool[] deployable = PolicyFamilies.Deployable(chosen);
            Assert.Equal(
                new[] { PolicyFamilies.Selected, PolicyFamilies.SelectedShortfall },
                chosen.Where((p, i) => deployable[i]).Select(p => p.Family).Distinct());

            // Without it a fit ships a version 1 nearest-cluster profile.
            PolicyPoint[] clusterOnly = PolicyPoint.All(new EvaluationOptions { LearnedEstimator = false });
            bool[] v1 = PolicyFamilies.Deployable(clusterOnly);
            Assert.Equal(
                new[] { PolicyFamilies.CostWeighted, PolicyFamilies.Shortfall },
                clusterOnly.Where((p, i) => v1[i]).Select(p => p.Family).Distinct());
        }

        [Fact]
        public void WhenOneModelIsBestEverywhereTheFitStillRoutesTheTypesWhereACheaperModelTies()
        {
            RoutingDataset data = DominantModelData(240);
            FitResult result = FitPipeline.Fit(data, _ => BuiltIn, new FitPipelineOptions
            {
                Fit = new FitSettings { RouterName = "Dominant" },
                HeldOut = new EvaluationOptions { Folds = 3, Seeds = 1, BootstrapSamples = 50 },
            });

            Assert.NotNull(result.ClusterChoice);
            Assert.True(result.ClusterChoice!.K > 1, "k = 1 sends everything to the expensive model; the cheap model ties on half the types");
            EvaluationReport report = result.HeldOut;
            FamilyFrontier router = report.Family(FamilyFrontier.Deployable)!;
            Assert.True(router.Aiq.Estimate >= report.SingleModelHullAiq.Estimate, $"router AIQ {router.Aiq.Estimate} vs single-model hull {report.SingleModelHullAiq.Estimate}");
            Assert.True(router.CostShareToReachBestSingle < 0.7, $"reaching the best single model's quality should cost about half of it, not {router.CostShareToReachBestSingle}");
            Assert.Contains("\"singleModelHull\"", EvaluationReportJson.ToJson(report), StringComparison.Ordinal);
        }

        /// <summary>
        /// Four prompt types with their own vocabularies. "strong" scores 0.9 on every type at $1 a prompt; "cheap" ties it
        /// (0.9) on types 0 and 1 and scores 0.2 on types 2 and 3, at $0.05.
        /// </summary>
        internal static RoutingDataset DominantModelData(int prompts)
        {
            var models = new List<DatasetModel> { new("strong", null, null, null), new("cheap", null, null, null) };
            var list = new List<DatasetPrompt>();
            var scores = new double[prompts * 2];
            var costs = new double[prompts * 2];
            var random = new SeededRandom(5, 9);
            for (int p = 0; p < prompts; p++)
            {
                int type = p % 4;
                string text = string.Join(' ', Enumerable.Range(0, 30).Select(_ => $"type{type}word{random.Next(40)}"));
                list.Add(new DatasetPrompt("p" + p.ToString(CultureInfo.InvariantCulture), text, "type" + type.ToString(CultureInfo.InvariantCulture), null, p + 1));
                scores[p * 2] = 0.9;
                scores[(p * 2) + 1] = type < 2 ? 0.9 : 0.2;
                costs[p * 2] = 1.0;
                costs[(p * 2) + 1] = 0.05;
            }

            return new RoutingDataset("dominant", models, list, scores, costs, new bool[2]);
        }
    }
}
