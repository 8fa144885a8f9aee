using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Fitting
{
    /// <summary>
    /// The whole fit: embed every prompt, choose k (unless given), cluster and estimate statistics on all prompts, run a
    /// cross-validated pass with the same settings, and derive presets and provenance from the held-out results.
    /// </summary>
    public static class FitPipeline
    {
        /// <summary>Preset: maximum expected quality (cost weight 0).</summary>
        public const string MaxQualityPreset = "max-quality";

        /// <summary>Preset: the cheapest knob whose held-out quality reaches the best single model's.</summary>
        public const string MatchBestSinglePreset = "match-best-single";

        /// <summary>Preset: the cheapest knob within 3 points of the best single model's held-out quality.</summary>
        public const string WithinThreePointsPreset = "within-3-points";

        /// <summary>Fits a profile.</summary>
        public static FitResult Fit(RoutingDataset dataset, EmbedderFactory embedderFactory, FitPipelineOptions options, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellation = default)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(embedderFactory);
            ArgumentNullException.ThrowIfNull(options);
            var texts = new string[dataset.PromptCount];
            var rows = new int[dataset.PromptCount];
            for (int p = 0; p < texts.Length; p++)
            {
                texts[p] = dataset.Prompts[p].Text;
                rows[p] = p;
            }

            EmbedderSetup setup = embedderFactory(texts);
            var embedProgress = progress is null ? null : new Progress<int>(done => progress.Report(new EvaluationProgress(done, texts.Length, "embedding")));
            EmbeddingMatrix embeddings = PromptEmbedding.EmbedAll(setup.Embedder, texts, embedProgress, cancellation);

            EvaluationOptions heldOut = options.HeldOut;
            heldOut.Fit = options.Fit;
            heldOut.Clusters = options.Clusters;

            // A v1 profile carries clusters only: the learned estimator is measured by eval, not shipped by fit (yet).
            heldOut.LearnedEstimator = false;
            progress?.Report(new EvaluationProgress(0, 1, "choosing cluster count and prior strength"));
            ClusterCountChoice? choice = ClusterCountSelection.ChooseUnlessGiven(dataset, embeddings, setup.Definition, rows, heldOut, options.Fit.KMeans.Seed);
            int k = choice?.K ?? options.Clusters;
            double? prior = options.Fit.PriorStrength ?? choice?.PriorStrength;

            progress?.Report(new EvaluationProgress(0, 1, "clustering"));
            FitSettings fitSettings = options.Fit with { PriorStrength = prior };
            FittedRouter fitted = ProfileBuilder.Build(dataset, embeddings, rows, setup.Definition, k, fitSettings);

            heldOut.Clusters = k;
            heldOut.Seed = options.Fit.KMeans.Seed;
            EvaluationReport report = CrossValidation.Run(dataset, embedderFactory, heldOut, new KeyValuePair<string, EmbeddingMatrix>(setup.Definition.Identity, embeddings), progress, cancellation);

            ProfileDefinition profile = fitted.Profile;
            AddPresets(profile, report);
            profile.Provenance = Provenance(dataset, options, report, fitted, choice);
            return new FitResult(profile, report, choice);
        }

        /// <summary>Adds the three presets, read off the held-out curve of the deployable policies.</summary>
        public static void AddPresets(ProfileDefinition profile, EvaluationReport report)
        {
            ArgumentNullException.ThrowIfNull(profile);
            ArgumentNullException.ThrowIfNull(report);
            profile.Presets.Clear();
            profile.Presets.Add(new PresetDefinition
            {
                Name = MaxQualityPreset,
                Policy = RoutingPolicy.CostWeighted,
                Value = 0,
                Description = "Highest expected quality in every cluster, whatever it costs.",
            });
            profile.Presets.Add(Target(report, MatchBestSinglePreset, report.BestSingle.Quality, $"the best single model's held-out quality ({Percent(report.BestSingle.Quality)}, {report.BestSingle.ModelId})"));
            profile.Presets.Add(Target(report, WithinThreePointsPreset, report.BestSingle.Quality - EvaluationAnalysis.WithinTolerance, $"3 points below the best single model's held-out quality ({Percent(report.BestSingle.Quality - EvaluationAnalysis.WithinTolerance)})"));
        }

        private static PresetDefinition Target(EvaluationReport report, string name, double threshold, string what)
        {
            var quality = new double[report.Points.Count];
            var cost = new double[report.Points.Count];
            var deployable = new bool[report.Points.Count];
            int bestQuality = -1;
            for (int p = 0; p < quality.Length; p++)
            {
                quality[p] = report.Points[p].Quality;
                cost[p] = report.Points[p].TotalCostUsd;
                deployable[p] = report.Points[p].Point.IsRuntimePolicy;
                if (deployable[p] && (bestQuality < 0 || quality[p] > quality[bestQuality] || (quality[p] == quality[bestQuality] && cost[p] < cost[bestQuality])))
                {
                    bestQuality = p;
                }
            }

            int chosen = EvaluationAnalysis.Cheapest(quality, cost, deployable, threshold);
            string description;
            if (chosen >= 0)
            {
                description = $"Cheapest knob reaching {what} in {Describe(report)}: {Percent(quality[chosen])} for ${Money(cost[chosen])} total over {report.PromptCount} prompts.";
            }
            else
            {
                chosen = bestQuality;
                description = $"No knob reached {what} in {Describe(report)}; this is the highest-quality knob instead ({Percent(quality[chosen])} for ${Money(cost[chosen])}).";
            }

            PolicyPoint point = report.Points[chosen].Point;
            return new PresetDefinition
            {
                Name = name,
                Policy = point.ToRoutingOptions().Policy,
                Value = point.Knob,
                Description = description,
            };
        }

        private static ProvenanceDefinition Provenance(RoutingDataset dataset, FitPipelineOptions options, EvaluationReport report, FittedRouter fitted, ClusterCountChoice? choice)
        {
            var provenance = new ProvenanceDefinition
            {
                Dataset = $"{dataset.Name} ({dataset.PromptCount} prompts, {dataset.ModelCount} models)",
                Attribution = options.Attribution,
                CreatedUtc = options.CreatedUtc,
                Tool = "routergen fit (RouterGen.Fitting " + Version() + ")",
            };
            var notes = new StringBuilder();
            notes.Append(CultureInfo.InvariantCulture, $"Spherical k-means++ on L2-normalised embeddings, k={fitted.Clustering.K}");
            notes.Append(options.Clusters > 0 ? " (given)" : $" (chosen by {options.HeldOut.InnerFolds}-fold cross-validated AIQ, the area under the quality-cost frontier of the deployable knobs)");
            notes.Append(CultureInfo.InvariantCulture, $", {options.Fit.KMeans.Restarts} restarts, seed {options.Fit.KMeans.Seed}. ");
            notes.Append(CultureInfo.InvariantCulture, $"Quality per cluster = (successes + a*global rate) / (prompts + a) with Beta prior strength a={fitted.Statistics.PriorStrength.ToString("R", CultureInfo.InvariantCulture)} ");
            notes.Append(options.Fit.PriorStrength is not null ? "(given). " : choice?.PriorStrength is not null ? "(chosen with k by cross-validated AIQ). " : "(chosen by leave-one-out likelihood). ");
            int estimated = 0;
            foreach (bool e in dataset.CostIsEstimate)
            {
                estimated += e ? 1 : 0;
            }

            notes.Append(estimated == 0 ? "Costs: measured per prompt. " : $"Costs: {estimated} of {dataset.ModelCount} models estimated from list prices x prompt length (costIsEstimate). ");
            notes.Append(CultureInfo.InvariantCulture, $"minSimilarity = {options.Fit.MinSimilarityQuantile.ToString("R", CultureInfo.InvariantCulture)} quantile of fit prompts' similarity to their centroid; fallback = best global model. ");
            notes.Append(CultureInfo.InvariantCulture, $"Presets and heldOutMetrics from {Describe(report)}.");
            provenance.Notes = notes.ToString();
            string prefix = report.Mode == EvaluationMode.Split ? "test." : $"cv{report.Folds}x{report.Seeds}.";
            var metrics = provenance.HeldOutMetrics;
            metrics[prefix + "prompts"] = report.PromptCount;
            metrics[prefix + "best-single.quality"] = report.BestSingle.Quality;
            metrics[prefix + "best-single.totalCostUsd"] = report.BestSingle.TotalCostUsd;
            metrics[prefix + "oracle.quality"] = report.Oracle.Quality;
            foreach (PresetDefinition preset in fitted.Profile.Presets)
            {
                PointResult? point = report.Find(RoutingPolicyNames.Format(preset.Policy), preset.Value);
                if (point is not null)
                {
                    metrics[prefix + preset.Name + ".quality"] = point.Quality;
                    metrics[prefix + preset.Name + ".totalCostUsd"] = point.TotalCostUsd;
                }
            }

            return provenance;
        }

        private static string Describe(EvaluationReport report) =>
            report.Mode == EvaluationMode.Split
                ? $"held-out evaluation on the test split ({report.PromptCount} prompts)"
                : $"{report.Folds}-fold cross-validation x {report.Seeds} shuffle(s) ({report.PromptCount} prompts)";

        private static string Percent(double quality) => (quality * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

        private static string Money(double usd) => usd.ToString("0.00", CultureInfo.InvariantCulture);

        private static string Version() => typeof(FitPipeline).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
    }
}
