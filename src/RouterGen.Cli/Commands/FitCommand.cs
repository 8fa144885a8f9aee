using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using RouterGen.Fitting;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Cli.Commands
{
    /// <summary><c>routergen fit --data routing.jsonl --models models.json --out X.router.json</c>: fits a router profile.</summary>
    internal static class FitCommand
    {
        // The generator's own rule (shared source): fit refuses, before any work, a name the build would refuse.
        private static void CheckRouterName(string name, string? ns)
        {
            if (RouterClassName.NameProblem(name) is string nameProblem)
            {
                throw new UserInputException("--name: " + nameProblem);
            }

            if (ns is not null && RouterClassName.NamespaceProblem(ns) is string namespaceProblem)
            {
                throw new UserInputException("--namespace: " + namespaceProblem);
            }
        }

        public static Command Create()
        {
            var data = new DatasetOptions();
            Option<string> embedder = EmbedderOption.Create();
            Option<string?> embeddingCache = EmbeddingCacheOption.Create();
            var clusters = new Option<string>("--clusters") { Description = "Number of clusters, or auto (chosen by cross-validated routing accuracy).", DefaultValueFactory = _ => "auto" };
            var output = new Option<string>("--out") { Description = "The profile to write (atomically).", Required = true };
            var name = new Option<string>("--name") { Description = "Router name: the generated class name.", DefaultValueFactory = _ => "Router" };
            var ns = new Option<string?>("--namespace") { Description = "Namespace of the generated class." };
            var description = new Option<string?>("--description") { Description = "Description stored in the profile." };
            var seed = new Option<ulong>("--seed") { Description = "Seed of k-means and cross-validation shuffles.", DefaultValueFactory = _ => 42 };
            var restarts = new Option<int>("--restarts") { Description = "k-means++ restarts.", DefaultValueFactory = _ => 4 };
            var prior = new Option<double?>("--prior-strength") { Description = "Beta prior strength in pseudo-prompts (default: chosen by leave-one-out likelihood)." };
            var attribution = new Option<string?>("--attribution") { Description = "Attribution and license of the data, stored in provenance." };
            var created = new Option<string?>("--created-utc") { Description = "Creation time stored in provenance (default: none, so refits are byte-identical)." };
            var cvFolds = new Option<int>("--cv-folds") { Description = "Folds of the held-out pass that sets presets and provenance metrics.", DefaultValueFactory = _ => 5 };
            var cvSeeds = new Option<int>("--cv-seeds") { Description = "Shuffles of that held-out pass.", DefaultValueFactory = _ => 1 };
            var report = new Option<string?>("--report") { Description = "Also write the held-out evaluation as JSON here." };
            var estimatorOption = new Option<string>("--estimator") { Description = $"Per-prompt estimator the profile carries: {FitPipeline.EstimatorChoices}. auto takes whichever wins by inner-fold AIQ; linear or soft-clusters make a format version 2 profile.", DefaultValueFactory = _ => FitPipeline.AutoEstimator };
            estimatorOption.AcceptOnlyFromAmong(FitPipeline.AutoEstimator, EstimatorKinds.NearestCluster, EstimatorKinds.Linear, EstimatorKinds.SoftClusters);
            var precisionOption = new Option<string>("--centroid-precision") { Description = $"How routers built from the profile store its centroids: {CentroidPrecisionNames.Expected} (half or a quarter of the bytes the search reads; the held-out pass and the file's numbers stay float32).", DefaultValueFactory = _ => CentroidPrecisionNames.Float32 };
            Option<string> calibration = CalibrationOption.Create();
            precisionOption.AcceptOnlyFromAmong(CentroidPrecisionNames.Float32, CentroidPrecisionNames.Float16, CentroidPrecisionNames.Int8);
            var command = new Command("fit", "Fit a router profile from per-prompt model results: embed, cluster, estimate shrunk per-cluster quality and cost, label clusters, set presets from a held-out pass.");
            data.AddTo(command);
            foreach (Option option in new Option[] { embedder, embeddingCache, clusters, output, name, ns, description, seed, restarts, prior, attribution, created, cvFolds, cvSeeds, report, estimatorOption, calibration, precisionOption })
            {
                command.Options.Add(option);
            }

            CommandAction.Set(command, (parseResult, writer) =>
            {
                string path = parseResult.GetRequiredValue(output);
                string? reportPath = parseResult.GetValue(report);
                OutputFiles.Check("--out", path);
                OutputFiles.Check("--report", reportPath);
                CheckRouterName(parseResult.GetRequiredValue(name), parseResult.GetValue(ns));
                RoutingDataset dataset = DatasetOptions.RequireCrossValidatable(data.Load(parseResult));
                EmbedderFactory factory = EmbedderOption.Parse(parseResult.GetRequiredValue(embedder), EmbeddingCacheOption.Resolve(parseResult.GetValue(embeddingCache)));
                string routerName = parseResult.GetRequiredValue(name);
                var settings = new FitSettings
                {
                    RouterName = routerName,
                    Namespace = parseResult.GetValue(ns),
                    Description = parseResult.GetValue(description),
                    PriorStrength = parseResult.GetValue(prior),
                    KMeans = new KMeansOptions { Seed = parseResult.GetValue(seed), Restarts = Math.Max(1, parseResult.GetValue(restarts)) },
                };
                var options = new FitPipelineOptions
                {
                    Fit = settings,
                    Clusters = DatasetOptions.ParseClusters(parseResult.GetRequiredValue(clusters)),
                    Attribution = parseResult.GetValue(attribution),
                    CreatedUtc = parseResult.GetValue(created),
                    Estimator = parseResult.GetRequiredValue(estimatorOption),
                    HeldOut = new EvaluationOptions { Folds = parseResult.GetValue(cvFolds), Seeds = parseResult.GetValue(cvSeeds), BootstrapSamples = 200, Linear = CalibrationOption.Apply(parseResult.GetRequiredValue(calibration)) },
                };
                var progress = new ConsoleProgress(parseResult.InvocationConfiguration.Error);
                FitResult result = FitPipeline.Fit(dataset, factory, options, progress);
                progress.Finish();
                // AcceptOnlyFromAmong has already refused any other name.
                result.Profile.CentroidPrecision = CentroidPrecisionNames.TryParse(parseResult.GetRequiredValue(precisionOption), out CentroidPrecision precision)
                    ? precision
                    : CentroidPrecision.Float32;

                // Validate through the reader the generator and runtime use, so fit never writes a profile they would refuse.
                string json = ProfileWriter.ToJson(result.Profile);
                ProfileReadResult check = ProfileReader.Read(json);
                if (check.Profile is null)
                {
                    throw new InvalidOperationException("The fitted profile does not validate: " + string.Join("; ", check.Problems));
                }

                OutputFiles.WriteAll(reportPath is null
                    ? [("--out", path, json)]
                    : [("--out", path, json), ("--report", reportPath, EvaluationReportJson.ToJson(result.HeldOut))]);

                writer.WriteLine($"Wrote {path}: {result.Profile.Models.Count} models, {result.Profile.Clusters.Count} clusters, embedder {result.Profile.Embedder.Identity}.");
                if (result.ClusterChoice is not null)
                {
                    writer.WriteLine("Cluster count and prior strength chosen by cross-validated AIQ (max-quality accuracy in brackets):");
                    foreach (ClusterCountCandidate c in result.ClusterChoice.Candidates)
                    {
                        string alpha = c.PriorStrength is double a ? string.Create(CultureInfo.InvariantCulture, $", α={a}") : "";
                        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {c.Estimator}, k={c.K}{alpha}: AIQ {c.Aiq:0.0000} ({c.MaxQuality * 100:0.0}%)"));
                    }

                    string chosenAlpha = result.ClusterChoice.PriorStrength is double ca ? string.Create(CultureInfo.InvariantCulture, $", α={ca}") : "";
                    string routesBy = result.Profile.Estimator?.Kind switch
                    {
                        EstimatorDefinition.LinearKind => "the learned linear estimator, format version 2",
                        EstimatorDefinition.SoftClustersKind => $"soft clusters (top {result.Profile.Estimator.TopClusters}), format version 2",
                        _ => "the nearest cluster",
                    };
                    writer.WriteLine($"→ k={result.Profile.Clusters.Count} (the profile routes by {routesBy}; the nearest cluster's best was k={result.ClusterChoice.K}{chosenAlpha}).");
                }

                foreach (PresetDefinition preset in result.Profile.Presets)
                {
                    writer.WriteLine($"Preset {preset.Name}: {RoutingPolicyNames.Format(preset.Policy)} {preset.Value.ToString("0.#####", CultureInfo.InvariantCulture)} — {preset.Description}");
                }

                writer.WriteLine();
                EvaluationSummary.WriteHeadline(result.HeldOut, writer);
                return ExitCodes.Success;
            });
            return command;
        }
    }
}
