using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace RouterGen.Fitting.Tests
{
    public sealed class LearnedEstimatorTests
    {
        [Fact]
        public void LogisticHeadsReachTheRegularisedOptimum()
        {
            // Two features, three models with different true weights, soft labels; the gradient of the objective must vanish.
            const int n = 400, r = 2, models = 3;
            var random = new SeededRandom(3, 1);
            var z = new double[n * r];
            var y = new double[n * models];
            for (int i = 0; i < n; i++)
            {
                z[i * r] = random.NextDouble() - 0.5;
                z[(i * r) + 1] = (random.NextDouble() - 0.5) * 3;
                for (int m = 0; m < models; m++)
                {
                    double t = ((m + 1) * 2 * z[i * r]) - (m * z[(i * r) + 1]) + (0.3 * m);
                    y[(i * models) + m] = 1 / (1 + Math.Exp(-t));
                }
            }

            var lambda = new[] { 0.1, 0.01, 0.001 };
            var w = new double[models * r];
            var b = new double[models];
            LogisticHeads.Fit(z, n, r, y, models, lambda, w, b, 5000, 1e-12);
            for (int m = 0; m < models; m++)
            {
                var g = new double[r + 1];
                for (int i = 0; i < n; i++)
                {
                    double p = 1 / (1 + Math.Exp(-((w[m * r] * z[i * r]) + (w[(m * r) + 1] * z[(i * r) + 1]) + b[m])));
                    double e = (p - y[(i * models) + m]) / n;
                    g[0] += e * z[i * r];
                    g[1] += e * z[(i * r) + 1];
                    g[2] += e;
                }

                g[0] += lambda[m] * w[m * r];
                g[1] += lambda[m] * w[(m * r) + 1];
                Assert.All(g, v => Assert.True(Math.Abs(v) < 1e-8, $"model {m}: gradient {string.Join(", ", g)}"));
            }

            // Weak regularisation recovers most of the true weight (2·3 = 6 on feature 0 for model 2).
            Assert.InRange(w[2 * r], 4.5, 6.1);
        }

        [Fact]
        public void JacobiEigenDecompositionReconstructsTheMatrix()
        {
            const int n = 6;
            var random = new SeededRandom(4, 2);
            var a = new double[n * n];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j <= i; j++)
                {
                    a[(i * n) + j] = a[(j * n) + i] = random.NextDouble() - 0.5;
                }
            }

            SymmetricEigen.Decompose(a, n, out double[] values, out double[] vectors);
            for (int r = 0; r < n; r++)
            {
                if (r > 0)
                {
                    Assert.True(values[r] <= values[r - 1]);
                }

                for (int i = 0; i < n; i++)
                {
                    double av = 0;
                    for (int j = 0; j < n; j++)
                    {
                        av += a[(i * n) + j] * vectors[(j * n) + r];
                    }

                    Assert.Equal(values[r] * vectors[(i * n) + r], av, 10);
                }
            }
        }

        [Fact]
        public void PrincipalSubspaceFindsTheDominantDirection()
        {
            const int n = 300, d = 20;
            var random = new SeededRandom(5, 3);
            var data = new float[n * d];
            for (int i = 0; i < n; i++)
            {
                double t = random.NextDouble() - 0.5;
                for (int j = 0; j < d; j++)
                {
                    // Large variance along (1, 1, 0, ...)/√2, small noise elsewhere.
                    data[(i * d) + j] = (float)((j < 2 ? 4 * t : 0) + (0.05 * (random.NextDouble() - 0.5)) + 1);
                }
            }

            var matrix = new EmbeddingMatrix(data, n, d);
            PrincipalSubspace subspace = PrincipalSubspace.Fit(matrix, Enumerable.Range(0, n).ToArray(), 3, 7);
            Assert.Equal(1 / Math.Sqrt(2), Math.Abs(subspace.Basis[0]), 2);
            Assert.Equal(1 / Math.Sqrt(2), Math.Abs(subspace.Basis[1]), 2);
            Assert.True(subspace.Scatter[0] > 50 * subspace.Scatter[1]);
            Assert.Equal(1.0, subspace.Mean[5], 2);
        }

        [Fact]
        public void PlattScalingRecoversAKnownCalibration()
        {
            const int n = 500;
            var logits = new double[n];
            var labels = new double[n];
            for (int i = 0; i < n; i++)
            {
                logits[i] = (i - 250) / 50.0;
                labels[i] = 1 / (1 + Math.Exp(-((2 * logits[i]) + 0.5)));
            }

            PlattScaling.Fit(logits, labels, out double a, out double b);
            Assert.Equal(2, a, 4);
            Assert.Equal(0.5, b, 4);
        }

        [Fact]
        public void ExpectedCalibrationErrorIsTheBinShareWeightedGap()
        {
            var tally = new CalibrationTally(2);
            tally.Add("linear", 0, 0.25, 1);
            tally.Add("linear", 0, 0.25, 0);
            tally.Add("linear", 0, 0.9, 1);
            var other = new CalibrationTally(2);
            other.Add("linear", 1, 0.5, 0.5);
            tally.Merge(other);
            IReadOnlyList<ModelCalibration> result = tally.Summarise(new[] { "a", "b" });

            // Bin [0.2, 0.3): predicted 0.25, observed 0.5 (2 of 3); bin [0.9, 1): 0.9 vs 1 (1 of 3).
            Assert.Equal((2.0 / 3 * 0.25) + (1.0 / 3 * 0.1), result[0].ExpectedCalibrationError, 12);
            Assert.Equal(2, result[0].Bins.Count);
            Assert.Equal(0.5, result[0].Bins[0].MeanObserved, 12);
            Assert.Equal(0, result[1].ExpectedCalibrationError, 12);
        }

        [Fact]
        public void TheRankIsTheCandidateWithTheLowestInnerCrossEntropyAndOnlyTheSmallestOnFewPrompts()
        {
            // Six topics, each with its own best model: one principal direction cannot tell six topics apart, 24 can.
            RoutingDataset data = SyntheticRoutingData.Generate(240, models: 3, topics: 6, seed: 21);
            EmbeddingMatrix embeddings = PromptEmbedding.EmbedAll(EmbedderSetup.BuiltIn(128).Embedder, data.Prompts.Select(p => p.Text).ToArray(), null);
            int[] rows = Enumerable.Range(0, data.PromptCount).ToArray();
            var options = new LinearEstimatorOptions { Ranks = new[] { 1, 24 }, MinPromptsPerDirection = 1 };
            Assert.Equal(24, LinearQualityEstimator.Fit(data, embeddings, rows, 3, options, 5, out _).Rank);

            // 240 prompts at 20 per direction support 12 directions: the 24-direction candidate is not tried.
            options.MinPromptsPerDirection = 20;
            Assert.Equal(1, LinearQualityEstimator.Fit(data, embeddings, rows, 3, options, 5, out _).Rank);
        }

        [Fact]
        public void PromptsThatAllPointOneWayAreFitOnUnitVarianceCoordinatesAndPredictThroughTheRawWeights()
        {
            // Every embedding is nearly one direction; the topic (which decides the best model) lives in 1e-3-sized
            // components, far below what the L2 strength grid lets unscaled weights reach.
            const int prompts = 300, models = 3, topics = 6, dimension = 8;
            var modelList = Enumerable.Range(0, models).Select(m => new DatasetModel("m" + m, null, null, null)).ToList();
            var list = new List<DatasetPrompt>();
            var scores = new double[prompts * models];
            var data = new float[prompts * dimension];
            var random = new SeededRandom(8, 3);
            for (int p = 0; p < prompts; p++)
            {
                int topic = p % topics;
                list.Add(new DatasetPrompt("p" + p, "prompt " + p, null, null, p + 1));
                scores[(p * models) + (topic % models)] = 1;
                data[p * dimension] = 1;
                data[(p * dimension) + 1 + topic] = 1e-3f;
                data[(p * dimension) + 7] = (float)((random.NextDouble() - 0.5) * 1e-4);
            }

            var dataset = new RoutingDataset("one-way", modelList, list, scores, new double[prompts * models], new bool[models]);
            var embeddings = new EmbeddingMatrix(data, prompts, dimension);
            int[] rows = Enumerable.Range(0, prompts).ToArray();
            var options = new LinearEstimatorOptions { Ranks = new[] { 6 }, TryUnitVariance = true };
            LinearQualityEstimator estimator = LinearQualityEstimator.Fit(dataset, embeddings, rows, 3, options, 5, out _);
            Assert.True(estimator.UnitVariance);

            // The folded raw weights predict each topic's model best on that topic's prompts.
            var quality = new double[models];
            for (int p = 0; p < topics; p++)
            {
                estimator.Predict(embeddings.Row(p), quality);
                Assert.Equal(p % models, Array.IndexOf(quality, quality.Max()));
            }

            options.TryUnitVariance = false;
            Assert.False(LinearQualityEstimator.Fit(dataset, embeddings, rows, 3, options, 5, out _).UnitVariance);
        }

        [Fact]
        public void TheLearnedEstimatorIsScoredOnPromptsItWasNotFitOnAndBeatsEverySingleModelWhenTopicsDecide()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(400, models: 4, topics: 4, seed: 13);
            var options = new EvaluationOptions { Folds = 4, Seeds = 1, BootstrapSamples = 50, ClusterCandidates = new[] { 1, 4 } };
            EvaluationReport report = CrossValidation.Run(data, _ => EmbedderSetup.BuiltIn(256), options);
            FamilyFrontier linear = report.Family(PolicyFamilies.Linear)!;
            Assert.True(linear.MaxQuality > report.BestSingle.Quality + 0.1, $"linear {linear.MaxQuality} vs best single {report.BestSingle.Quality}");
            Assert.True(report.Oracle.Quality >= linear.MaxQuality);
            Assert.Equal(4, report.EstimatorChoices.Count);
            Assert.NotNull(report.Family(PolicyFamilies.Selected));
            Assert.Contains(report.Calibration, c => c.Estimator == EstimatorKinds.Linear && c.ExpectedCalibrationError < 0.2);
            Assert.Equal(3 * data.ModelCount, report.Calibration.Count);
            Assert.Contains(report.Calibration, c => c.Estimator == EstimatorKinds.SoftClusters && c.Bins.Sum(b => b.Count) > 0);
        }
    }
}
