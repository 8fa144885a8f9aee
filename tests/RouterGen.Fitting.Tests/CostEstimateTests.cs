using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace RouterGen.Fitting.Tests
{
    public sealed class CostEstimateTests
    {
        [Fact]
        public void LinearCostHeadsRecoverAPriceTimesLengthCostOnPromptsTheyWereNotFitOn()
        {
            // Cost = price × exp(length), the length a linear function of the embedding: the log-cost heads must find it.
            const int prompts = 400, models = 3, dimension = 6;
            var random = new SeededRandom(11, 4);
            var data = new float[prompts * dimension];
            var costs = new double[prompts * models];
            double[] price = { 0.1, 0.5, 2.0 };
            for (int p = 0; p < prompts; p++)
            {
                double norm = 0;
                for (int j = 0; j < dimension; j++)
                {
                    data[(p * dimension) + j] = (float)(random.NextDouble() - 0.5);
                    norm += data[(p * dimension) + j] * data[(p * dimension) + j];
                }

                for (int j = 0; j < dimension; j++)
                {
                    data[(p * dimension) + j] /= (float)Math.Sqrt(norm);
                }

                double length = Math.Exp(2 * data[p * dimension]);
                for (int m = 0; m < models; m++)
                {
                    costs[(p * models) + m] = price[m] * length / 1000;
                }
            }

            RoutingDataset dataset = Dataset(prompts, models, costs);
            var embeddings = new EmbeddingMatrix(data, prompts, dimension);
            int[] fitRows = Enumerable.Range(0, 300).ToArray();
            LinearCostEstimator estimator = LinearCostEstimator.Fit(dataset, embeddings, fitRows, 3, new LinearEstimatorOptions { Ranks = new[] { dimension } }, 7, out double[] outOfFold);
            Assert.Equal(300 * models, outOfFold.Length);

            var predicted = new double[models];
            double worst = 0;
            for (int p = 300; p < prompts; p++)
            {
                estimator.Predict(embeddings.Row(p), predicted);
                for (int m = 0; m < models; m++)
                {
                    worst = Math.Max(worst, Math.Abs((predicted[m] / dataset.CostUsd(p, m)) - 1));
                }
            }

            Assert.True(worst < 0.02, $"largest relative error on unseen prompts {worst:0.0000}");
            double worstOutOfFold = fitRows.Select((row, i) => Math.Abs((outOfFold[i * models] / dataset.CostUsd(row, 0)) - 1)).Max();
            Assert.True(worstOutOfFold < 0.05, $"largest out-of-fold relative error {worstOutOfFold:0.0000}");
        }

        [Fact]
        public void TheKnobOnTrueOrLearnedPerPromptCostsSavesWhereClusterMeansCannot()
        {
            // Two models; the expensive one is better on short prompts only and ties on long ones, and length decides the
            // price. One cluster's mean cost cannot tell a long prompt from a short one; per-prompt costs send the long (dear)
            // prompts to the cheap model at a knob where the short ones still take the better one, so the area is larger.
            const int prompts = 600, models = 2, dimension = 64;
            var random = new SeededRandom(12, 5);
            var data = new float[prompts * dimension];
            var scores = new double[prompts * models];
            var costs = new double[prompts * models];
            for (int p = 0; p < prompts; p++)
            {
                bool longPrompt = p % 2 == 0;
                data[p * dimension] = longPrompt ? 0.8f : 0.6f;
                data[(p * dimension) + 1] = longPrompt ? 0.6f : 0.8f;
                data[(p * dimension) + 2] = (float)((random.NextDouble() - 0.5) * 0.01);
                double length = longPrompt ? 10 : 1;
                scores[p * models] = longPrompt ? 0.9 : 0.5;
                scores[(p * models) + 1] = 0.9;
                costs[p * models] = 0.1 * length / 1000;
                costs[(p * models) + 1] = 1.0 * length / 1000;
            }

            RoutingDataset dataset = Dataset(prompts, models, costs, scores);
            var embeddings = new EmbeddingMatrix(data, prompts, dimension);
            EmbedderSetup setup = EmbedderSetup.BuiltIn(dimension);
            double Aiq(string costEstimate)
            {
                // The embeddings above stand in for the embedder's (same identity, so nothing is embedded).
                var options = new EvaluationOptions { Folds = 3, Seeds = 1, BootstrapSamples = 10, ClusterCandidates = new[] { 1 }, CostEstimate = costEstimate, SoftClusterCandidates = Array.Empty<int>() };
                EvaluationReport report = CrossValidation.Run(dataset, _ => setup, options, new KeyValuePair<string, EmbeddingMatrix>(setup.Definition.Identity, embeddings));
                return report.Family(PolicyFamilies.CostWeighted)!.Aiq.Estimate;
            }

            double clusterMean = Aiq(CostEstimates.ClusterMean);
            double learned = Aiq(CostEstimates.Linear);
            double upperBound = Aiq(CostEstimates.PerPromptTrue);
            Assert.True(upperBound > clusterMean + 0.05, $"true per-prompt cost AIQ {upperBound:0.0000} vs cluster mean {clusterMean:0.0000}");
            Assert.True(learned > clusterMean + 0.05, $"learned cost AIQ {learned:0.0000} vs cluster mean {clusterMean:0.0000}");
        }

        [Fact]
        public void SoftClustersBlendThePThatScoredBestOnTheInnerFoldsAmongTheFixedCandidates()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(400, models: 4, topics: 8, seed: 17);
            EmbedderSetup setup = EmbedderSetup.BuiltIn(128);
            EmbeddingMatrix embeddings = PromptEmbedding.EmbedAll(setup.Embedder, data.Prompts.Select(p => p.Text).ToArray(), null);
            int[] rows = Enumerable.Range(0, data.PromptCount).ToArray();
            var options = new EvaluationOptions { ClusterCandidates = new[] { 8 }, LearnedEstimator = false, SoftClusterCandidates = new[] { 2, 3, 5 } };
            ClusterCountChoice choice = ClusterCountSelection.Choose(data, embeddings, setup.Definition, rows, options, 3);

            ClusterCountCandidate soft = choice.BestPerEstimator[EstimatorKinds.SoftClusters];
            List<ClusterCountCandidate> tried = choice.Candidates.Where(c => c.Estimator == EstimatorKinds.SoftClusters && c.K == soft.K && c.PriorStrength == soft.PriorStrength).ToList();
            Assert.Equal(new[] { 2, 3, 5 }, tried.Select(c => c.TopClusters).Distinct().Order());
            ClusterCountCandidate atDefault = tried.First(c => c.TopClusters == options.SoftClusters);
            Assert.True(soft.Aiq >= atDefault.Aiq);
            Assert.All(tried, c => Assert.True(c.Aiq <= soft.Aiq + ClusterCountSelection.AiqTieTolerance, $"p {c.TopClusters}: {c.Aiq} above the chosen p {soft.TopClusters}: {soft.Aiq}"));

            // Without candidates p stays the default.
            ClusterCountChoice fixedP = ClusterCountSelection.Choose(data, embeddings, setup.Definition, rows, options with { SoftClusterCandidates = Array.Empty<int>() }, 3);
            Assert.Equal(options.SoftClusters, fixedP.BestPerEstimator[EstimatorKinds.SoftClusters].TopClusters);
        }

        private static RoutingDataset Dataset(int prompts, int models, double[] costs, double[]? scores = null)
        {
            var modelList = Enumerable.Range(0, models).Select(m => new DatasetModel("m" + m, null, null, null)).ToList();
            var list = new List<DatasetPrompt>();
            for (int p = 0; p < prompts; p++)
            {
                list.Add(new DatasetPrompt("p" + p, "prompt " + p, null, null, p + 1));
            }

            return new RoutingDataset("costs", modelList, list, scores ?? new double[prompts * models], costs, new bool[models]);
        }
    }
}
