using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Linq;
using RouterGen.Cli.Reporting;
using RouterGen.Fitting;
using RouterGen.Profiles;

namespace RouterGen.Cli.Commands
{
    /// <summary>
    /// <c>routergen eval --data ... [--folds 10 --seeds 5 | --split test]</c>: held-out evaluation of routing policies
    /// against every single model and the oracle, with the Pareto frontier, HyDRA's regimes and bootstrap intervals.
    /// </summary>
    internal static class EvalCommand
    {
        public static Command Create()
        {
            var data = new DatasetOptions();
            Option<string> embedder = EmbedderOption.Create();
            Option<string?> embeddingCache = EmbeddingCacheOption.Create();
            var folds = new Option<int>("--folds") { Description = "Cross-validation folds.", DefaultValueFactory = _ => 10 };
            var seeds = new Option<int>("--seeds") { Description = "Repetitions with different shuffles and k-means seeds (averaged).", DefaultValueFactory = _ => 5 };
            var split = new Option<string?>("--split") { Description = "Evaluate on this split (e.g. test) after fitting on --fit-split, instead of cross-validating." };
            var fitSplit = new Option<string>("--fit-split") { Description = "Split to fit on with --split.", DefaultValueFactory = _ => "train" };
            var clusters = new Option<string>("--clusters") { Description = "Number of clusters, or auto (chosen inside each fit by nested cross-validation).", DefaultValueFactory = _ => "auto" };
            var seed = new Option<ulong>("--seed") { Description = "Base seed.", DefaultValueFactory = _ => 42 };
            var restarts = new Option<int>("--restarts") { Description = "k-means++ restarts per fit.", DefaultValueFactory = _ => 4 };
            var prior = new Option<double?>("--prior-strength") { Description = "Beta prior strength (default: chosen per fit by leave-one-out likelihood)." };
            var learned = new Option<bool>("--learned-estimator") { Description = "Also fit the learned per-prompt estimator in every fold and let each fit choose its estimator kind by inner-fold AIQ (true/false).", DefaultValueFactory = _ => true };
            var lowConfidence = new Option<bool>("--low-confidence-fallback") { Description = "Let every fit choose the learned estimator's low-confidence fallback threshold by inner-fold AIQ (0 stays a candidate) and score with it, as fit ships it (true/false; false measures the router without it).", DefaultValueFactory = _ => true };
            var costEstimate = new Option<string>("--cost-estimate") { Description = "Per-prompt cost every router applies the knob to: cluster-mean (what profiles carry), linear (a learned log-cost head per model on the embedding), or per-prompt-true (the data set's own cost: an upper bound for measurement only).", DefaultValueFactory = _ => CostEstimates.ClusterMean };
            costEstimate.AcceptOnlyFromAmong(CostEstimates.ClusterMean, CostEstimates.Linear, CostEstimates.PerPromptTrue);
            var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap resamples for 95% intervals.", DefaultValueFactory = _ => 1000 };
            var report = new Option<string?>("--report") { Description = "Write the full report as JSON here (atomically)." };
            var plot = new Option<string?>("--plot") { Description = "Write an SVG plot of quality against total cost here (atomically)." };
            var title = new Option<string?>("--title") { Description = "Plot title." };
            Option<string> calibration = CalibrationOption.Create();
            var command = new Command("eval", "Held-out evaluation: each fold's clusters and statistics are fit without its prompts; routing policies against single models and the oracle.");
            data.AddTo(command);
            foreach (Option option in new Option[] { embedder, embeddingCache, folds, seeds, split, fitSplit, clusters, seed, restarts, prior, learned, lowConfidence, calibration, costEstimate, bootstrap, report, plot, title })
            {
                command.Options.Add(option);
            }

            CommandAction.Set(command, (parseResult, writer) =>
            {
                string? reportPath = parseResult.GetValue(report);
                string? plotPath = parseResult.GetValue(plot);
                OutputFiles.Check("--report", reportPath);
                OutputFiles.Check("--plot", plotPath);
                RoutingDataset dataset = parseResult.GetValue(split) is null ? DatasetOptions.RequireCrossValidatable(data.Load(parseResult)) : data.Load(parseResult);
                EmbedderFactory factory = EmbedderOption.Parse(parseResult.GetRequiredValue(embedder), EmbeddingCacheOption.Resolve(parseResult.GetValue(embeddingCache)));
                var options = new EvaluationOptions
                {
                    Folds = parseResult.GetValue(folds),
                    Seeds = Math.Max(1, parseResult.GetValue(seeds)),
                    Seed = parseResult.GetValue(seed),
                    EvalSplit = parseResult.GetValue(split),
                    FitSplit = parseResult.GetRequiredValue(fitSplit),
                    Clusters = DatasetOptions.ParseClusters(parseResult.GetRequiredValue(clusters)),
                    BootstrapSamples = Math.Max(0, parseResult.GetValue(bootstrap)),
                    LearnedEstimator = parseResult.GetValue(learned),
                    LowConfidenceFallback = parseResult.GetValue(lowConfidence),
                    Linear = CalibrationOption.Apply(parseResult.GetRequiredValue(calibration)),
                    CostEstimate = parseResult.GetRequiredValue(costEstimate),
                    Fit = new FitSettings
                    {
                        PriorStrength = parseResult.GetValue(prior),
                        KMeans = new KMeansOptions { Restarts = Math.Max(1, parseResult.GetValue(restarts)) },
                    },
                };
                if (options.EvalSplit is null && options.Folds < 2)
                {
                    throw new UserInputException($"--folds {options.Folds}: cross-validation needs at least 2 folds.");
                }

                var progress = new ConsoleProgress(parseResult.InvocationConfiguration.Error);
                EvaluationReport result;
                try
                {
                    result = CrossValidation.Run(dataset, factory, options, progress);
                }
                catch (ArgumentException e) when (e.ParamName == "options")
                {
                    throw new UserInputException(e.Message, e);
                }

                progress.Finish();
                EvaluationSummary.WriteHeadline(result, writer);
                EvaluationSummary.WriteDetails(result, writer);
                var files = new List<(string Option, string Path, string Content)>();
                if (reportPath is not null)
                {
                    files.Add(("--report", reportPath, EvaluationReportJson.ToJson(result)));
                }

                if (plotPath is not null)
                {
                    files.Add(("--plot", plotPath, Plot(result, parseResult.GetValue(title))));
                }

                OutputFiles.WriteAll(files.ToArray());
                if (files.Count > 0)
                {
                    writer.WriteLine();
                }

                foreach ((_, string written, _) in files)
                {
                    writer.WriteLine($"Wrote {written}.");
                }

                return ExitCodes.Success;
            });
            return command;
        }

        /// <summary>Quality against total cost: each routing family's own frontier as a curve, single models as labelled points.</summary>
        public static string Plot(EvaluationReport report, string? title)
        {
            var series = new List<PlotSeries>();
            foreach (string family in new[] { PolicyFamilies.CostWeighted, PolicyFamilies.Shortfall, PolicyFamilies.SoftClusters, PolicyFamilies.Linear, PolicyFamilies.Selected })
            {
                PointResult[] points = report.Points.Where(p => p.Point.Family == family).ToArray();
                if (points.Length == 0)
                {
                    continue;
                }

                bool[] frontier = EvaluationAnalysis.Frontier(points.Select(p => p.Quality).ToArray(), points.Select(p => p.TotalCostUsd).ToArray(), null);
                var curve = points.Where((p, i) => frontier[i]).OrderBy(p => p.TotalCostUsd).Select(p => new PlotPoint(p.TotalCostUsd, p.Quality)).ToList();
                string name = family switch
                {
                    PolicyFamilies.CostWeighted => "router: cost knob",
                    PolicyFamilies.Shortfall => "router: shortfall τ (HyDRA)",
                    PolicyFamilies.Linear => "learned linear estimator: cost knob",
                    PolicyFamilies.Selected => "estimator chosen per fit: cost knob",
                    _ => "top-n soft clusters (Avengers-Pro)",
                };
                series.Add(new PlotSeries(name, curve));
            }

            var singles = report.Singles.Select(s => new PlotPoint(s.TotalCostUsd, s.Quality, s.ModelId)).ToList();
            string mode = report.Mode == EvaluationMode.Split ? $"test split, {report.PromptCount} prompts" : $"{report.Folds}-fold CV x {report.Seeds}, {report.PromptCount} prompts";
            return FrontierPlot.RenderSvg(
                title ?? $"{report.Dataset}: held-out quality vs total cost ({mode})",
                series,
                singles,
                new PlotPoint(report.Oracle.TotalCostUsd, report.Oracle.Quality, "oracle"),
                $"total cost over {report.PromptCount} prompts (USD)",
                "quality (mean score)");
        }
    }
}
