using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
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

        /// <summary>Estimator choice of <see cref="FitPipelineOptions.Estimator"/>: whichever wins by inner-fold AIQ.</summary>
        public const string AutoEstimator = "auto";

        /// <summary>Every value <see cref="FitPipelineOptions.Estimator"/> accepts, for messages.</summary>
        public const string EstimatorChoices = AutoEstimator + ", " + EstimatorKinds.NearestCluster + ", " + EstimatorKinds.Linear + ", " + EstimatorKinds.SoftClusters;

        /// <summary>Fits a profile.</summary>
        /// <exception cref="ArgumentException"><see cref="FitPipelineOptions.Estimator"/> is not one of <see cref="EstimatorChoices"/>.</exception>
        public static FitResult Fit(RoutingDataset dataset, EmbedderFactory embedderFactory, FitPipelineOptions options, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellation = default)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(embedderFactory);
            ArgumentNullException.ThrowIfNull(options);
            string requested = options.Estimator;
            if (requested is not (AutoEstimator or EstimatorKinds.NearestCluster or EstimatorKinds.Linear or EstimatorKinds.SoftClusters))
            {
                throw new ArgumentException($"Estimator \"{requested}\" is not known; expected one of {EstimatorChoices}.", nameof(options));
            }

            if (requested == EstimatorKinds.SoftClusters && options.HeldOut.SoftClusters < 2)
            {
                throw new ArgumentException("A soft-cluster estimator blends at least 2 clusters; HeldOut.SoftClusters is below 2.", nameof(options));
            }

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

            // A copy: the caller's options are not changed. The learned estimator is fit (and competes) unless the nearest
            // cluster or soft clusters are forced; it is the most expensive candidate, so a forced choice skips it.
            EvaluationOptions heldOut = options.HeldOut with { Fit = options.Fit, Clusters = options.Clusters, LearnedEstimator = requested is AutoEstimator or EstimatorKinds.Linear };
            progress?.Report(new EvaluationProgress(0, 1, "choosing estimator, cluster count and prior strength"));
            ClusterCountChoice? choice = ClusterCountSelection.ChooseUnlessGiven(dataset, embeddings, setup.Definition, rows, heldOut, options.Fit.KMeans.Seed);
            string estimator = requested == AutoEstimator ? choice?.Estimator ?? EstimatorKinds.NearestCluster : requested;

            // Each estimator runs on the clusters (k, α) it scored best with, as cross-validation evaluates it.
            ClusterCountCandidate? best = choice is not null && choice.BestPerEstimator.TryGetValue(estimator, out ClusterCountCandidate? own) ? own : null;
            int k = best?.K ?? choice?.K ?? options.Clusters;
            double? prior = options.Fit.PriorStrength ?? (best is not null ? best.PriorStrength : choice?.PriorStrength);
            heldOut = heldOut with { Clusters = k, Seed = options.Fit.KMeans.Seed };
            EvaluationReport report = CrossValidation.Run(dataset, embedderFactory, heldOut, new KeyValuePair<string, EmbeddingMatrix>(setup.Definition.Identity, embeddings), progress, cancellation);

            // The inner folds propose; the fit's own cross-validated pass (more folds, every prompt held out) confirms.
            // Another estimator whose held-out AIQ is clearly higher on the same k replaces the proposal, so a fit never
            // ships an estimator it measured as worse.
            string? proposed = null;
            if (requested == AutoEstimator && choice is not null)
            {
                string confirmed = HeldOutWinner(report, choice.BestPerEstimator.Keys, estimator);
                if (confirmed != estimator)
                {
                    proposed = estimator;
                    estimator = confirmed;
                    prior = options.Fit.PriorStrength ?? choice.BestPerEstimator[estimator].PriorStrength;
                }
            }

            progress?.Report(new EvaluationProgress(0, 1, "clustering"));
            FitSettings fitSettings = options.Fit with { PriorStrength = prior };
            FittedRouter fitted = ProfileBuilder.Build(dataset, embeddings, rows, setup.Definition, k, fitSettings);
            ProfileDefinition profile = fitted.Profile;
            if (estimator == EstimatorKinds.Linear)
            {
                profile.Estimator = (choice?.Linear ?? throw new InvalidOperationException("The learned estimator was not fit.")).ToDefinition();
                // The threshold the inner folds chose with the learned estimator's own (k, α); 0 (off) is written as absent.
                profile.Fallback.LowConfidenceMargin = choice?.LowConfidenceMargin ?? 0;
            }
            else if (estimator == EstimatorKinds.SoftClusters && profile.Clusters.Count >= 2)
            {
                profile.Estimator = new EstimatorDefinition { Kind = EstimatorDefinition.SoftClustersKind, TopClusters = Math.Min(choice?.BestPerEstimator.GetValueOrDefault(estimator)?.TopClusters is int p and > 0 ? p : heldOut.SoftClusters, Math.Min(profile.Clusters.Count, EstimatorDefinition.MaxTopClusters)) };
            }
            else if (estimator == EstimatorKinds.SoftClusters)
            {
                estimator = EstimatorKinds.NearestCluster; // one cluster: blending it is the nearest cluster.
            }

            profile.FormatVersion = profile.Estimator is null ? ProfileDefinition.ClusterFormatVersion : ProfileDefinition.EstimatorFormatVersion;

            AddPresets(profile, report, estimator);
            profile.Provenance = Provenance(dataset, options, report, fitted, choice, estimator, proposed);
            return new FitResult(profile, report, choice);
        }

        /// <summary>
        /// Adds the three presets, read off the held-out curve of the policies the profile's router runs: those of
        /// <paramref name="estimator"/> (one of <see cref="EstimatorKinds"/>; the nearest cluster's for a version 1 profile).
        /// </summary>
        public static void AddPresets(ProfileDefinition profile, EvaluationReport report, string estimator = EstimatorKinds.NearestCluster)
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
            profile.Presets.Add(Target(report, estimator, MatchBestSinglePreset, report.BestSingle.Quality, $"the best single model's held-out quality ({Percent(report.BestSingle.Quality)}, {report.BestSingle.ModelId})"));
            profile.Presets.Add(Target(report, estimator, WithinThreePointsPreset, report.BestSingle.Quality - EvaluationAnalysis.WithinTolerance, $"3 points below the best single model's held-out quality ({Percent(report.BestSingle.Quality - EvaluationAnalysis.WithinTolerance)})"));
        }

        // The policy a deployed router runs for a point of the estimator's families.
        private static RoutingPolicy PolicyOf(PolicyPoint point) => PolicyFamilies.IsShortfall(point.Family) ? RoutingPolicy.Shortfall : RoutingPolicy.CostWeighted;

        private static PresetDefinition Target(EvaluationReport report, string estimator, string name, double threshold, string what)
        {
            var quality = new double[report.Points.Count];
            var cost = new double[report.Points.Count];
            var deployable = new bool[report.Points.Count];
            int bestQuality = -1;
            for (int p = 0; p < quality.Length; p++)
            {
                quality[p] = report.Points[p].Quality;
                cost[p] = report.Points[p].TotalCostUsd;
                deployable[p] = PolicyFamilies.EstimatorOf(report.Points[p].Point.Family) == estimator;
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
                Policy = PolicyOf(point),
                Value = point.Knob,
                Description = description,
            };
        }

        private static ProvenanceDefinition Provenance(RoutingDataset dataset, FitPipelineOptions options, EvaluationReport report, FittedRouter fitted, ClusterCountChoice? choice, string estimator, string? proposed)
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
            notes.Append(EstimatorNote(options, choice, estimator, proposed, fitted.Profile, report));
            notes.Append(CultureInfo.InvariantCulture, $"minSimilarity = {options.Fit.MinSimilarityQuantile.ToString("R", CultureInfo.InvariantCulture)} quantile of fit prompts' similarity to their centroid, less a guard for float16/int8 storage and float rounding; fallback = best global model. ");
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
                (string costWeighted, string shortfall) = PolicyFamilies.Of(estimator);
                PointResult? point = report.Find(preset.Policy == RoutingPolicy.Shortfall ? shortfall : costWeighted, preset.Value);
                if (point is not null)
                {
                    metrics[prefix + preset.Name + ".quality"] = point.Quality;
                    metrics[prefix + preset.Name + ".totalCostUsd"] = point.TotalCostUsd;
                }
            }

            return provenance;
        }

        // Which estimator the profile carries and why: the inner-fold AIQ of every candidate, or that it was forced.
        private static string CalibrationNote(HeadCalibration calibration, LinearQualityEstimator? linear) => calibration switch
        {
            HeadCalibration.Isotonic => "isotonic-calibrated",
            HeadCalibration.Auto => $"calibrated Platt or isotonic per model by cross-fitted inner-fold cross-entropy ({linear?.IsotonicCount ?? 0} of {linear?.ModelCount ?? 0} isotonic)",
            _ => "Platt-calibrated",
        };

        private static string EstimatorNote(FitPipelineOptions options, ClusterCountChoice? choice, string estimator, string? proposed, ProfileDefinition profile, EvaluationReport report)
        {
            var note = new StringBuilder();
            string what = estimator switch
            {
                EstimatorKinds.Linear => $"learned linear (one L2 logistic head per model in a {choice?.Linear?.Rank}-dimension principal subspace{(choice?.Linear?.UnitVariance == true ? " scaled to unit variance" : "")} (rank and scaling chosen from {string.Join("/", options.HeldOut.Linear.Ranks)} by inner-fold cross-entropy), folded into raw-embedding weights, {CalibrationNote(options.HeldOut.Linear.Calibration, choice?.Linear)} on inner-fold predictions; costs from the nearest cluster)",
                EstimatorKinds.SoftClusters => $"soft clusters (similarity-weighted quality and cost of the {profile.Estimator?.TopClusters} nearest clusters; p chosen from {string.Join("/", options.HeldOut.SoftClusterCandidates)} by inner-fold AIQ)",
                _ => "nearest cluster (format version 1)",
            };
            note.Append("Estimator: ").Append(what);
            if (options.Estimator != AutoEstimator)
            {
                note.Append(" (given by --estimator)");
            }
            else if (choice is not null)
            {
                note.Append(proposed is null ? ", chosen by " : $", proposed as {proposed} by ");
                note.Append(options.HeldOut.InnerFolds.ToString(CultureInfo.InvariantCulture)).Append("-fold inner AIQ (");
                note.Append(string.Join(", ", choice.BestPerEstimator.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key} {e.Value.Aiq:0.0000} at k={e.Value.K}"))));
                note.Append(proposed is null ? ") and confirmed by " : ") and replaced by ").Append(Describe(report)).Append(" (held-out AIQ, best of each estimator's cost-weighted and shortfall knobs: ");
                note.Append(string.Join(", ", choice.BestPerEstimator.Keys.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e} {HeldOutAiq(report, e):0.0000}"))));
                note.Append(')');
            }

            if (estimator == EstimatorKinds.Linear && choice is not null)
            {
                note.Append(". Low-confidence fallback: ");
                note.Append(choice.LowConfidenceMargin > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"a prompt whose calibrated estimate puts the best model less than {choice.LowConfidenceMargin:0.######} ahead of the runner-up goes to the global statistics under the request's knob")
                    : "off");
                note.Append(string.Create(CultureInfo.InvariantCulture, $" (chosen by {options.HeldOut.InnerFolds}-fold inner AIQ among "));
                note.Append(string.Join(", ", choice.LowConfidenceCandidates.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m:0.######}"))));
                note.Append(" = 0 and the ").Append(string.Join("/", ClusterCountSelection.LowConfidenceQuantiles.Select(q => string.Create(CultureInfo.InvariantCulture, $"{q * 100:0}%"))));
                note.Append(" quantiles of the inner-fold margins; ");
                note.Append(string.Join(", ", choice.Candidates
                    .Where(c => c.Estimator == EstimatorKinds.Linear && c.K == choice.BestPerEstimator[EstimatorKinds.Linear].K && c.PriorStrength == choice.BestPerEstimator[EstimatorKinds.Linear].PriorStrength)
                    .Select(c => string.Create(CultureInfo.InvariantCulture, $"AIQ {c.Aiq:0.0000} at {c.LowConfidenceMargin:0.######}"))));
                note.Append(')');
            }

            return note.Append(". ").ToString();
        }

        // An estimator's held-out AIQ: the better of its cost-weighted and shortfall sweeps (a preset picks one policy).
        private static double HeldOutAiq(EvaluationReport report, string estimator)
        {
            (string costWeighted, string shortfall) = PolicyFamilies.Of(estimator);
            return Math.Max(report.Family(costWeighted)?.Aiq.Estimate ?? double.NegativeInfinity, report.Family(shortfall)?.Aiq.Estimate ?? double.NegativeInfinity);
        }

        // The proposal stands unless another estimator is clearly better held-out (ties within the AIQ tolerance keep it).
        private static string HeldOutWinner(EvaluationReport report, IEnumerable<string> estimators, string proposal)
        {
            string winner = proposal;
            foreach (string e in estimators)
            {
                if (HeldOutAiq(report, e) > HeldOutAiq(report, winner) + ClusterCountSelection.AiqTieTolerance)
                {
                    winner = e;
                }
            }

            return winner;
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
