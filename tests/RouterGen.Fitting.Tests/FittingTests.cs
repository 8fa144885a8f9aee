using System;
using System.Collections.Generic;
using System.Linq;
using RouterGen.Embedding;
using RouterGen.Profiles;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Fitting.Tests
{
    public sealed class FittingTests
    {
        private static readonly EmbedderSetup BuiltIn = EmbedderSetup.BuiltIn(256);

        private static EmbeddingMatrix Embed(RoutingDataset data) =>
            PromptEmbedding.EmbedAll(BuiltIn.Embedder, data.Prompts.Select(p => p.Text).ToArray());

        private static int[] All(RoutingDataset data) => Enumerable.Range(0, data.PromptCount).ToArray();

        [Fact]
        public void KMeansIsDeterministicAndRecoversTopics()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(400, models: 4, topics: 4, seed: 3);
            EmbeddingMatrix embeddings = Embed(data);
            KMeansResult a = KMeans.Fit(embeddings, All(data), 4, new KMeansOptions { Seed = 9 });
            KMeansResult b = KMeans.Fit(embeddings, All(data), 4, new KMeansOptions { Seed = 9 });
            Assert.Equal(a.Assignment, b.Assignment);
            Assert.Equal(a.Centroids, b.Centroids);

            // Each cluster should be (almost) one topic: purity over 95%.
            int agree = 0;
            for (int c = 0; c < a.K; c++)
            {
                agree += Enumerable.Range(0, data.PromptCount).Where(p => a.Assignment[p] == c).GroupBy(p => data.Prompts[p].Group).Max(g => g.Count());
            }

            Assert.True(agree > 0.95 * data.PromptCount, $"purity {agree}/{data.PromptCount}");
            Assert.Equal(a.Sizes.OrderByDescending(s => s), a.Sizes);
        }

        [Fact]
        public void SampledKMeansIsDeterministicAndAssignsEveryPoint()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(500, models: 3, topics: 4, seed: 13);
            EmbeddingMatrix embeddings = Embed(data);
            var options = new KMeansOptions { Seed = 5, MaxSamplePoints = 120 };
            KMeansResult a = KMeans.Fit(embeddings, All(data), 4, options);
            KMeansResult b = KMeans.Fit(embeddings, All(data), 4, options);
            Assert.Equal(a.Assignment, b.Assignment);
            Assert.Equal(500, a.Assignment.Length);
            Assert.Equal(500, a.Sizes.Sum());
            int agree = 0;
            for (int c = 0; c < a.K; c++)
            {
                agree += Enumerable.Range(0, data.PromptCount).Where(p => a.Assignment[p] == c).GroupBy(p => data.Prompts[p].Group).Max(g => g.Count());
            }

            Assert.True(agree > 0.95 * data.PromptCount, $"purity {agree}/{data.PromptCount}");
        }

        [Fact]
        public void ShrinkageKeepsAFivePromptClusterFromClaimingCertainty()
        {
            // Model 0 solves the five prompts of cluster 1 but only half of the 100 prompts of cluster 0.
            int n = 105;
            var scores = new double[n * 2];
            var assignment = new int[n];
            for (int p = 0; p < n; p++)
            {
                assignment[p] = p < 100 ? 0 : 1;
                scores[p * 2] = p >= 100 || p % 2 == 0 ? 1 : 0;
                scores[(p * 2) + 1] = 0.5;
            }

            var data = new RoutingDataset(
                "tiny",
                new[] { new DatasetModel("a", null, null, null), new DatasetModel("b", null, null, null) },
                Enumerable.Range(0, n).Select(p => new DatasetPrompt("p" + p, "x", null, null, p + 1)).ToArray(),
                scores,
                new double[n * 2],
                new bool[2]);
            ClusterStatistics fixedPrior = ClusterStatistics.Compute(data, Enumerable.Range(0, n).ToArray(), assignment, 2, priorStrength: 8);
            double global = 55.0 / 105;
            Assert.Equal((5 + (8 * global)) / 13, fixedPrior.Quality[2], 12);
            Assert.True(fixedPrior.Quality[2] < 0.85);
            ClusterStatistics chosen = ClusterStatistics.Compute(data, Enumerable.Range(0, n).ToArray(), assignment, 2);
            Assert.True(chosen.Quality[2] < 1, "the empirical-Bayes prior must keep five successes below certainty");
            Assert.Contains(chosen.PriorStrength, ClusterStatistics.PriorStrengthGrid);
        }

        [Fact]
        public void LeakageGuardRefusesOverlappingIds()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(60, models: 3, topics: 2, seed: 4);
            EmbeddingMatrix embeddings = Embed(data);
            int[] fit = Enumerable.Range(0, 40).ToArray();
            int[] eval = Enumerable.Range(35, 25).ToArray();
            var options = new EvaluationOptions();
            PolicyPoint[] points = PolicyPoint.All(options);
            var fold = new HeldOutFold(data, embeddings, BuiltIn.Definition, fit, eval, Enumerable.Range(0, eval.Length).ToArray());
            LeakageException e = Assert.Throws<LeakageException>(() => HeldOutEvaluator.EvaluateFold(fold, 2, new FitSettings(), options, HeldOutOutcomes.Allocate(points, eval.Length)));
            Assert.Contains("5 evaluation prompt(s) were also fit on", e.Message, StringComparison.Ordinal);
            Assert.Contains("p35", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void OfflineDecisionsAreTheRuntimeRoutersDecisions()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(300, models: 5, topics: 6, seed: 8);
            EmbeddingMatrix embeddings = Embed(data);
            int[] fit = Enumerable.Range(0, 240).ToArray();
            int[] eval = Enumerable.Range(240, 60).ToArray();

            // Out-of-distribution prompts follow the point's knob on the global statistics, in eval as in the runtime.
            var options = new EvaluationOptions();
            PolicyPoint[] points = PolicyPoint.All(options);
            var fold = new HeldOutFold(data, embeddings, BuiltIn.Definition, fit, eval, Enumerable.Range(0, eval.Length).ToArray());
            HeldOutOutcomes outcomes = HeldOutOutcomes.Allocate(points, eval.Length);
            FittedRouter fitted = HeldOutEvaluator.EvaluateFold(fold, 6, new FitSettings(), options, outcomes);

            // Route the held-out prompts through the loaded profile's prompt router: same model, same score and cost.
            IPromptRouter router = RouterProfile.Parse(ProfileWriter.ToJson(fitted.Profile)).CreatePromptRouter();
            int checkedPoints = 0;
            for (int p = 0; p < points.Length; p++)
            {
                if (!points[p].IsRuntimePolicy)
                {
                    continue;
                }

                RoutingOptions routing = points[p].ToRoutingOptions();
                for (int i = 0; i < eval.Length; i++)
                {
                    RouteDecision decision = router.Route(data.Prompts[eval[i]].Text, routing);
                    Assert.Equal(data.Score(eval[i], decision.ModelIndex), outcomes.Scores[outcomes.IndexOf(p, i)]);
                    Assert.Equal(data.CostUsd(eval[i], decision.ModelIndex), outcomes.Costs[outcomes.IndexOf(p, i)]);
                    checkedPoints++;
                }
            }

            Assert.True(checkedPoints > 1000);
        }

        [Fact]
        public void RoutingBeatsEverySingleModelWhenTopicsDecideAndCrossValidationSeesIt()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(600, models: 4, topics: 4, seed: 11);
            var options = new EvaluationOptions { Folds = 5, Seeds = 1, BootstrapSamples = 100 };
            EvaluationReport report = CrossValidation.Run(data, _ => BuiltIn, options);
            PointResult maxQuality = report.Find(PolicyFamilies.CostWeighted, 0)!;
            Assert.True(maxQuality.Quality > report.BestSingle.Quality + 0.1, $"router {maxQuality.Quality} vs best single {report.BestSingle.Quality}");
            Assert.True(report.Oracle.Quality >= maxQuality.Quality);
            Assert.All(report.ClusterCounts, k => Assert.True(k >= 4, $"auto k = {k}"));
            RegimeResult peak = report.Regimes.Single(r => r.Name == "peak-quality");
            Assert.True(peak.QualityDelta.Lower > 0, "the 95% interval of the gain should exclude zero here");

            // The deployable router is what fit ships: the estimator each fit chose, not always the nearest cluster.
            Assert.Equal(new PolicyPoint(PolicyFamilies.Selected, 0), peak.Point);
            PointResult[] selected = report.Points.Where(p => p.Point.Family is PolicyFamilies.Selected or PolicyFamilies.SelectedShortfall).ToArray();
            Assert.Equal(selected.Max(p => p.Quality), report.Family(FamilyFrontier.Deployable)!.MaxQuality);
            Assert.All(report.Points.Where(p => p.OnFrontier), p => Assert.Contains(p, selected));
            Assert.Equal(report.Singles.Count, report.Comparisons.Count);
            Assert.Contains("\"regimes\"", EvaluationReportJson.ToJson(report), StringComparison.Ordinal);
        }

        [Fact]
        public void SameInputsAndSeedGiveAByteIdenticalProfile()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(200, models: 3, topics: 3, seed: 2);
            string Fit(ulong seed) => ProfileWriter.ToJson(FitPipeline.Fit(data, _ => BuiltIn, new FitPipelineOptions
            {
                Fit = new FitSettings { RouterName = "Synthetic", KMeans = new KMeansOptions { Seed = seed } },
                HeldOut = new EvaluationOptions { Folds = 3, Seeds = 1, BootstrapSamples = 20 },
            }).Profile);
            string first = Fit(7);
            Assert.Equal(first, Fit(7));
            Assert.NotNull(ProfileReader.Read(first).Profile);
        }

        [Fact]
        public void FitLeavesTheCallersOptionsAsTheyWere()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(120, models: 3, topics: 3, seed: 5);
            var heldOut = new EvaluationOptions { Folds = 3, Seeds = 1, BootstrapSamples = 20, ClusterCandidates = new[] { 1, 2, 4 }, Seed = 7 };
            var fit = new FitSettings { RouterName = "Synthetic", KMeans = new KMeansOptions { Seed = 11, Restarts = 2 } };
            var options = new FitPipelineOptions { Fit = fit, HeldOut = heldOut };
            EvaluationOptions heldOutBefore = heldOut with { };
            FitSettings fitBefore = fit with { };
            KMeansOptions kMeansBefore = fit.KMeans with { };

            FitResult result = FitPipeline.Fit(data, _ => BuiltIn, options);

            // The pipeline evaluates with its own copy (k chosen, its seed, no learned estimator): none of it leaks back.
            Assert.NotNull(result.ClusterChoice);
            Assert.Same(heldOut, options.HeldOut);
            Assert.Same(fit, options.Fit);
            Assert.Equal(heldOutBefore, heldOut);
            Assert.Equal(0, heldOut.Clusters);
            Assert.True(heldOut.LearnedEstimator);
            Assert.Equal(7UL, heldOut.Seed);
            Assert.Equal(fitBefore, fit);
            Assert.Equal(kMeansBefore, fit.KMeans);
        }

        [Fact]
        public void FitAddsThePresetsTheFallbackAndProvenance()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(300, models: 4, topics: 4, seed: 6);
            FitResult result = FitPipeline.Fit(data, _ => BuiltIn, new FitPipelineOptions
            {
                Fit = new FitSettings { RouterName = "Synthetic" },
                Attribution = "synthetic",
                HeldOut = new EvaluationOptions { Folds = 3, Seeds = 1, BootstrapSamples = 20 },
            });
            ProfileDefinition profile = result.Profile;
            Assert.Equal(new[] { "max-quality", "match-best-single", "within-3-points" }, profile.Presets.Select(p => p.Name));
            Assert.NotNull(result.ClusterChoice);
            Assert.Equal("synthetic", profile.Provenance!.Attribution);
            Assert.Contains("cv3x1.max-quality.quality", profile.Provenance.HeldOutMetrics.Keys);
            Assert.All(profile.Clusters, c => Assert.False(string.IsNullOrWhiteSpace(c.Label)));
            Assert.Contains(profile.Clusters, c => c.Label.Contains('t', StringComparison.Ordinal));
            double minSimilarity = profile.Fallback.MinSimilarity;
            Assert.InRange(minSimilarity, -1, 1);
            Assert.Null(profile.Provenance.CreatedUtc);
        }

        [Theory]
        [InlineData(CentroidPrecision.Float32)]
        [InlineData(CentroidPrecision.Float16)]
        [InlineData(CentroidPrecision.Int8)]
        public void NoFitPromptFallsBackAtAnyCentroidPrecision(CentroidPrecision precision)
        {
            // The threshold used to be the least similar fit prompt's own similarity, so storing the centroids at float16
            // or int8 moved that prompt below it about half the time; the guard keeps every fit prompt in distribution.
            RoutingDataset data = SyntheticRoutingData.Generate(400, models: 4, topics: 6, seed: 21);
            EmbeddingMatrix embeddings = Embed(data);
            FittedRouter fitted = ProfileBuilder.Build(data, embeddings, All(data), BuiltIn.Definition, 6, new FitSettings { RouterName = "Synthetic" });
            ProfileDefinition profile = fitted.Profile;
            double leastSimilar = fitted.Clustering.Similarity.Min();
            double guard = ProfileBuilder.ThresholdGuard(profile.Clusters);
            Assert.InRange(guard, 1e-5, 0.05);
            Assert.Equal(leastSimilar - guard, profile.Fallback.MinSimilarity, 12);

            profile.CentroidPrecision = precision;
            RouterProfile router = RouterProfile.FromDefinition(profile);
            for (int i = 0; i < data.PromptCount; i++)
            {
                RouteDecision decision = router.Route(embeddings.Row(i));
                Assert.False(decision.IsFallback, $"prompt {i}: similarity {decision.Similarity:R} below {profile.Fallback.MinSimilarity:R} at {precision}");
            }
        }

        [Fact]
        public void CalibrationAddsAModelOnFrozenCentroids()
        {
            RoutingDataset data = SyntheticRoutingData.Generate(300, models: 4, topics: 4, seed: 12);
            RoutingDataset firstThree = data.WithModels(new[] { "model-0", "model-1", "model-2" });
            ProfileDefinition profile = ProfileBuilder.Build(firstThree, Embed(firstThree), All(firstThree), BuiltIn.Definition, 4, new FitSettings { RouterName = "Synthetic" }).Profile;
            string before = ProfileWriter.ToJson(profile);

            CalibrationResult result = Calibration.Calibrate(profile, data.WithModels(new[] { "model-3", "model-1" }), BuiltIn.Embedder, priorStrength: 4);
            Assert.Equal(before, ProfileWriter.ToJson(profile));
            Assert.Equal(new[] { "model-3" }, result.Added);
            Assert.Equal(new[] { "model-1" }, result.Updated);
            ProfileDefinition after = result.Profile;
            Assert.Equal(4, after.Models.Count);
            for (int c = 0; c < profile.Clusters.Count; c++)
            {
                Assert.Equal(profile.Clusters[c].Centroid, after.Clusters[c].Centroid);
                Assert.Equal(profile.Clusters[c].Label, after.Clusters[c].Label);
                Assert.Equal(profile.Clusters[c].Quality[0], after.Clusters[c].Quality[0]);
                Assert.Equal(profile.Clusters[c].Quality[2], after.Clusters[c].Quality[2]);
                Assert.Equal(4, after.Clusters[c].Quality.Length);
            }

            // Model 3 is the favourite of topic 3: some cluster must now expect far more of it than of the others.
            Assert.Contains(after.Clusters, c => c.Quality[3] > c.Quality.Take(3).Max() + 0.15);
            Assert.NotNull(ProfileReader.Read(ProfileWriter.ToJson(after)).Profile);
            Assert.Throws<EmbedderMismatchException>(() => Calibration.Calibrate(profile, data, EmbedderSetup.BuiltIn(128).Embedder));
        }
    }
}
