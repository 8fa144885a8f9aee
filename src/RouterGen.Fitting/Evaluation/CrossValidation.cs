using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Held-out evaluation: k-fold cross-validation repeated over several shuffles, or a fixed train/test split. Every
    /// fold's embedder (when it learns), cluster count, clusters and statistics are fit without that fold's prompts, and
    /// <see cref="HeldOutEvaluator.EnsureDisjoint"/> refuses any overlap. All policies are scored on the same folds.
    /// </summary>
    public static class CrossValidation
    {
        /// <summary>Runs the evaluation and analyses the results (frontier, regimes, bootstrap intervals).</summary>
        public static EvaluationReport Run(RoutingDataset dataset, EmbedderFactory embedderFactory, EvaluationOptions options, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellation = default) =>
            Run(dataset, embedderFactory, options, null, progress, cancellation);

        /// <summary>
        /// Runs the evaluation reusing embeddings already computed for every dataset prompt with an embedder of the given
        /// identity (the fit pipeline's own pass), so they are not computed twice.
        /// </summary>
        public static EvaluationReport Run(RoutingDataset dataset, EmbedderFactory embedderFactory, EvaluationOptions options, KeyValuePair<string, EmbeddingMatrix>? knownEmbeddings, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellation = default)
        {
            HeldOutRun run = RunHeldOut(dataset, embedderFactory, options, knownEmbeddings, progress, cancellation);
            return EvaluationAnalysis.Analyse(run, options);
        }

        /// <summary>Runs the folds and returns per-prompt outcomes of every policy point, before analysis.</summary>
        public static HeldOutRun RunHeldOut(RoutingDataset dataset, EmbedderFactory embedderFactory, EvaluationOptions options, KeyValuePair<string, EmbeddingMatrix>? knownEmbeddings = null, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellation = default)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(embedderFactory);
            ArgumentNullException.ThrowIfNull(options);
            var clock = Stopwatch.StartNew();
            var tasks = PlanFolds(dataset, options);
            int evalCount = tasks.EvalRows.Length;
            PolicyPoint[] points = PolicyPoint.All(options);
            int seeds = tasks.Seeds;
            var outcomes = new HeldOutOutcomes[seeds];
            for (int s = 0; s < seeds; s++)
            {
                outcomes[s] = HeldOutOutcomes.Allocate(points, evalCount);
            }

            // Embeddings: one matrix per distinct embedder identity (a fixed embedder is embedded once for all folds).
            progress?.Report(new EvaluationProgress(0, tasks.Folds.Count, "embedding folds"));
            var cache = new Dictionary<string, EmbeddingMatrix>(StringComparer.Ordinal);
            if (knownEmbeddings is { } known)
            {
                cache.Add(known.Key, known.Value);
            }

            var texts = new string[dataset.PromptCount];
            for (int p = 0; p < texts.Length; p++)
            {
                texts[p] = dataset.Prompts[p].Text;
            }

            var foldEmbeddings = new EmbeddingMatrix[tasks.Folds.Count];
            var foldEmbedders = new EmbedderDefinition[tasks.Folds.Count];
            string identity = "";
            for (int t = 0; t < tasks.Folds.Count; t++)
            {
                var fitTexts = new string[tasks.Folds[t].FitRows.Count];
                for (int i = 0; i < fitTexts.Length; i++)
                {
                    fitTexts[i] = texts[tasks.Folds[t].FitRows[i]];
                }

                EmbedderSetup setup = embedderFactory(fitTexts);
                identity = setup.Definition.Identity;
                if (!cache.TryGetValue(identity, out EmbeddingMatrix? matrix))
                {
                    matrix = PromptEmbedding.EmbedAll(setup.Embedder, texts, null, cancellation);
                    cache.Add(identity, matrix);
                }

                foldEmbeddings[t] = matrix;
                foldEmbedders[t] = setup.Definition;
            }

            var clusterCounts = new int[tasks.Folds.Count];
            var priors = new double[tasks.Folds.Count];
            var estimatorChoices = new string[tasks.Folds.Count];
            var tallies = new CalibrationTally[tasks.Folds.Count];
            var lowConfidenceMargins = new double[tasks.Folds.Count];
            var softClusterSizes = new int[tasks.Folds.Count];
            var lowConfidenceRows = new int[tasks.Folds.Count];
            var evaluatedRows = new int[tasks.Folds.Count];
            Array.Fill(estimatorChoices, EstimatorKinds.NearestCluster);
            int done = 0;
            Parallel.For(0, tasks.Folds.Count, new ParallelOptions { CancellationToken = cancellation }, t =>
            {
                FoldPlan fold = tasks.Folds[t];
                ulong foldSeed = options.Seed + (ulong)(fold.Seed * 1000) + (ulong)fold.Fold;
                ClusterCountChoice? choice = ClusterCountSelection.ChooseUnlessGiven(dataset, foldEmbeddings[t], foldEmbedders[t], fold.FitRows, options, foldSeed);
                int k = choice?.K ?? options.Clusters;
                var settings = new FitSettings
                {
                    PriorStrength = options.Fit.PriorStrength ?? choice?.PriorStrength,
                    MinSimilarityQuantile = options.Fit.MinSimilarityQuantile,
                    KMeans = options.Fit.KMeans.With(foldSeed, options.Fit.KMeans.Restarts),
                };

                // The nearest-cluster router and the baselines; without a choice of estimator, soft clusters on the same clusters.
                bool Others(string family) => choice is null || !choice.BestPerEstimator.ContainsKey(PolicyFamilies.EstimatorOf(family) ?? "");
                var heldOutFold = new HeldOutFold(dataset, foldEmbeddings[t], foldEmbedders[t], fold.FitRows, fold.EvalRows, fold.EvalPositions);
                HeldOutOutcomes into = outcomes[fold.Seed];
                double[]? promptCost = choice?.Cost is { } cost ? Predict(cost.Predict, cost.ModelCount, foldEmbeddings[t], fold.EvalRows) : null;
                FittedRouter fitted = HeldOutEvaluator.EvaluateFold(heldOutFold, k, settings, options, into, family => PolicyFamilies.EstimatorOf(family) is null or EstimatorKinds.NearestCluster || Others(family), promptCost);
                var tally = new CalibrationTally(dataset.ModelCount);
                HeldOutEvaluator.RecordCalibration(tally, EstimatorKinds.NearestCluster, dataset, foldEmbeddings[t], fitted, fold.EvalRows, null);
                tallies[t] = tally;
                if (choice is not null)
                {
                    // Every other estimator on the clusters (k, α) it chose for itself.
                    foreach ((string estimator, ClusterCountCandidate best) in choice.BestPerEstimator)
                    {
                        if (estimator == EstimatorKinds.NearestCluster)
                        {
                            continue;
                        }

                        double? alpha = options.Fit.PriorStrength ?? best.PriorStrength;
                        FittedRouter own = best.K == k && alpha == settings.PriorStrength
                            ? fitted
                            : ProfileBuilder.Build(dataset, foldEmbeddings[t], fold.FitRows, foldEmbedders[t], best.K, settings with { PriorStrength = alpha }, withLabels: false);
                        double[]? linearQuality = estimator == EstimatorKinds.Linear && choice.Linear is not null ? ClusterCountSelection.Predict(choice.Linear, foldEmbeddings[t], fold.EvalRows) : null;
                        // The learned estimator with the low-confidence threshold this fit chose for it by inner AIQ.
                        double margin = estimator == EstimatorKinds.Linear ? best.LowConfidenceMargin : 0;
                        // Soft clusters blend the p their fit chose.
                        EvaluationOptions ownOptions = best.TopClusters > 0 ? options with { SoftClusters = best.TopClusters } : options;
                        softClusterSizes[t] = estimator == EstimatorKinds.SoftClusters ? ownOptions.SoftClusters : softClusterSizes[t];
                        int unsure = HeldOutEvaluator.Score(heldOutFold, own, ownOptions, into, linearQuality, family => PolicyFamilies.EstimatorOf(family) == estimator, margin, promptCost);
                        if (estimator == choice.Estimator)
                        {
                            lowConfidenceMargins[t] = margin;
                            lowConfidenceRows[t] = unsure;
                        }
                        double[]? predicted = linearQuality ?? (estimator == EstimatorKinds.SoftClusters ? Blend(own, foldEmbeddings[t], fold.EvalRows, ownOptions.SoftClusters) : null);
                        if (predicted is not null)
                        {
                            HeldOutEvaluator.RecordCalibration(tally, estimator, dataset, foldEmbeddings[t], own, fold.EvalRows, predicted);
                        }
                    }

                    HeldOutEvaluator.CopySelected(into, choice.Estimator, fold.EvalPositions);
                    estimatorChoices[t] = choice.Estimator;
                }

                evaluatedRows[t] = fold.EvalRows.Count;
                clusterCounts[t] = fitted.Profile.Clusters.Count;
                priors[t] = fitted.Statistics.PriorStrength;
                progress?.Report(new EvaluationProgress(Interlocked.Increment(ref done), tasks.Folds.Count, "fitting folds"));
            });

            // Average over repetitions in a fixed order (deterministic sums).
            double[] meanScores = outcomes[0].Scores;
            double[] meanCosts = outcomes[0].Costs;
            if (seeds > 1)
            {
                meanScores = new double[points.Length * evalCount];
                meanCosts = new double[points.Length * evalCount];
                for (int s = 0; s < seeds; s++)
                {
                    for (int i = 0; i < meanScores.Length; i++)
                    {
                        meanScores[i] += outcomes[s].Scores[i] / seeds;
                        meanCosts[i] += outcomes[s].Costs[i] / seeds;
                    }
                }
            }

            return new HeldOutRun(dataset, tasks.EvalRows, points, meanScores, meanCosts, clusterCounts, priors, tasks.Mode, tasks.FoldCount, seeds, tasks.FitCount, identity, clock.Elapsed.TotalSeconds)
            {
                EstimatorChoices = estimatorChoices,
                SoftClusterSizes = softClusterSizes,
                LowConfidenceMargins = lowConfidenceMargins,
                LowConfidenceShare = evaluatedRows.Sum() == 0 ? 0 : (double)lowConfidenceRows.Sum() / evaluatedRows.Sum(),
                Calibration = MergeCalibration(tallies, dataset),
            };
        }

        private static IReadOnlyList<ModelCalibration> MergeCalibration(CalibrationTally[] tallies, RoutingDataset dataset)
        {
            var merged = new CalibrationTally(dataset.ModelCount);
            foreach (CalibrationTally tally in tallies)
            {
                merged.Merge(tally);
            }

            return merged.Summarise(dataset.ModelIds());
        }

        // The soft-cluster estimate of every model for each row (row × model), as the deployed soft-cluster router blends it.
        private static double[] Blend(FittedRouter fitted, EmbeddingMatrix embeddings, IReadOnlyList<int> rows, int topClusters)
        {
            int models = fitted.Router.Tables.ModelCount;
            var quality = new double[rows.Count * models];
            var cost = new double[models];
            for (int i = 0; i < rows.Count; i++)
            {
                QualityEstimation.BlendNearestClusters(fitted.Router.Tables, fitted.Router.UnitCentroids, embeddings.Row(rows[i]), topClusters, quality.AsSpan(i * models, models), cost);
            }

            return quality;
        }

        // One estimate per model for each row (row × model): the learned quality heads' or cost heads' Predict.
        private delegate void RowEstimate(ReadOnlySpan<float> embedding, Span<double> perModel);

        private static double[] Predict(RowEstimate estimate, int models, EmbeddingMatrix embeddings, IReadOnlyList<int> rows)
        {
            var values = new double[rows.Count * models];
            for (int i = 0; i < rows.Count; i++)
            {
                estimate(embeddings.Row(rows[i]), values.AsSpan(i * models, models));
            }

            return values;
        }

        private static FoldSchedule PlanFolds(RoutingDataset dataset, EvaluationOptions options)
        {
            var folds = new List<FoldPlan>();
            if (options.EvalSplit is not null)
            {
                int[] fit = dataset.IndicesOfSplit(options.FitSplit);
                int[] eval = dataset.IndicesOfSplit(options.EvalSplit);
                if (fit.Length == 0 || eval.Length == 0)
                {
                    throw new ArgumentException($"Data set '{dataset.Name}' has {fit.Length} prompts with split \"{options.FitSplit}\" and {eval.Length} with split \"{options.EvalSplit}\"; both must be non-empty.", nameof(options));
                }

                var positions = new int[eval.Length];
                for (int i = 0; i < positions.Length; i++)
                {
                    positions[i] = i;
                }

                int seeds = Math.Max(1, options.Seeds);
                for (int s = 0; s < seeds; s++)
                {
                    folds.Add(new FoldPlan(s, 0, fit, eval, positions));
                }

                return new FoldSchedule(folds, eval, seeds, EvaluationMode.Split, 1, fit.Length);
            }

            int n = dataset.PromptCount;
            int foldCount = Math.Clamp(options.Folds, 2, n);
            var all = new int[n];
            for (int p = 0; p < n; p++)
            {
                all[p] = p;
            }

            int repeats = Math.Max(1, options.Seeds);
            for (int s = 0; s < repeats; s++)
            {
                var shuffled = (int[])all.Clone();
                new SeededRandom(options.Seed, 1000 + (ulong)s).Shuffle(shuffled);
                for (int f = 0; f < foldCount; f++)
                {
                    ClusterCountSelection.Split(shuffled, foldCount, f, out List<int> fit, out List<int> eval, out List<int> _);
                    // Positions index the evaluation set, which for cross-validation is every prompt in data order.
                    folds.Add(new FoldPlan(s, f, fit, eval, eval));
                }
            }

            return new FoldSchedule(folds, all, repeats, EvaluationMode.CrossValidation, foldCount, n - ((n + foldCount - 1) / foldCount));
        }

        private sealed record FoldPlan(int Seed, int Fold, IReadOnlyList<int> FitRows, IReadOnlyList<int> EvalRows, IReadOnlyList<int> EvalPositions);

        private sealed record FoldSchedule(List<FoldPlan> Folds, int[] EvalRows, int Seeds, EvaluationMode Mode, int FoldCount, int FitCount);
    }
}
