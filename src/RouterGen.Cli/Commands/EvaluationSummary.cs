using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RouterGen.Cli.Reporting;
using RouterGen.Fitting;

namespace RouterGen.Cli.Commands
{
    /// <summary>The terminal tables of a held-out evaluation (eval prints all of them, fit the headline).</summary>
    internal static class EvaluationSummary
    {
        public static void WriteHeadline(EvaluationReport report, TextWriter output)
        {
            string mode = report.Mode == EvaluationMode.Split
                ? $"fit on {report.FitPromptCount} train prompts, evaluated on {report.PromptCount} test prompts"
                + (report.Seeds > 1 ? $", averaged over {report.Seeds} k-means seeds" : "")
                : $"{report.Folds}-fold cross-validation x {report.Seeds} shuffle(s) over {report.PromptCount} prompts";
            output.WriteLine($"# Held-out evaluation: {report.Dataset}");
            output.WriteLine();
            output.WriteLine($"- {mode}; {report.ModelIds.Count} models");
            output.WriteLine($"- clusters per fit: {Range(report.ClusterCounts.Select(k => (double)k))}; prior strength per fit: {Range(report.PriorStrengths)}");
            output.WriteLine($"- embedder: `{report.EmbedderIdentity}`");
            if (report.EstimatorChoices.Count > 0)
            {
                output.WriteLine("- estimator chosen per fit by inner-fold AIQ: " + string.Join(", ", report.EstimatorChoices.GroupBy(e => e).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ×{g.Count()}")));
            }

            if (report.SoftClusterSizes.Any(p => p > 0))
            {
                output.WriteLine("- soft clusters' blend size p per fit (inner-fold AIQ): " + string.Join(", ", report.SoftClusterSizes.Where(p => p > 0).GroupBy(p => p).OrderBy(g => g.Key).Select(g => $"p = {g.Key} ×{g.Count()}")));
            }

            if (report.LowConfidenceMargins.Any(m => m > 0))
            {
                output.WriteLine($"- low-confidence fallback threshold per fit (inner-fold AIQ among 0 and quantiles of the margins): {Range(report.LowConfidenceMargins)}; " +
                                 $"{Format.Percent(report.LowConfidenceShare)} of held-out prompts fell back by it in the deployable row");
            }

            output.WriteLine();
            var table = new MarkdownTable("policy", ">quality", ">total cost", ">vs best single");
            void Row(string name, double quality, double cost) =>
                table.Add(name, Format.Percent(quality), Format.Usd(cost), Format.PointsDelta(quality - report.BestSingle.Quality));
            Row($"best single ({report.BestSingle.ModelId})", report.BestSingle.Quality, report.BestSingle.TotalCostUsd);
            Row("per-prompt oracle", report.Oracle.Quality, report.Oracle.TotalCostUsd);
            foreach (string family in new[] { PolicyFamilies.GlobalBest, PolicyFamilies.Random })
            {
                PointResult? p = report.Find(family, 0);
                if (p is not null)
                {
                    Row(family, p.Quality, p.TotalCostUsd);
                }
            }

            foreach (string family in new[] { PolicyFamilies.CostWeighted, PolicyFamilies.SoftClusters, PolicyFamilies.Linear, PolicyFamilies.Selected })
            {
                PointResult? p = report.Find(family, 0);
                if (p is not null)
                {
                    string name = family switch
                    {
                        PolicyFamilies.CostWeighted => "router, max quality (nearest-cluster argmax)",
                        PolicyFamilies.SoftClusters => "top-n clusters, max quality",
                        PolicyFamilies.Linear => "learned linear estimator, max quality",
                        _ => "estimator chosen per fit by AIQ, max quality",
                    };
                    Row(name, p.Quality, p.TotalCostUsd);
                }
            }

            table.WriteTo(output);
            output.WriteLine();
            output.WriteLine($"## Frontier area (RouterBench AIQ on total cost {Format.Usd(report.AiqCostMinUsd)}–{Format.Usd(report.AiqCostMaxUsd)}; bootstrap 95% intervals)");
            output.WriteLine();
            var areas = new MarkdownTable("family", ">AIQ [95% CI]", ">vs single-model hull [95% CI]", ">max quality", ">its cost", "cost to reach best single (share of its cost)");
            areas.Add("single-model hull", IntervalText(report.SingleModelHullAiq, Format.Aiq), "-", Format.Percent(report.BestSingle.Quality), Format.Usd(report.BestSingle.TotalCostUsd), "100%");
            // The deployable row is what fit ships: name the estimator, which is not always the nearest cluster.
            string deployable = report.Find(PolicyFamilies.Selected, 0) is not null
                ? $"{FamilyFrontier.Deployable} (the estimator each fit chose, both policies)"
                : $"{FamilyFrontier.Deployable} (nearest-cluster, both policies)";
            foreach (FamilyFrontier f in report.Families)
            {
                areas.Add(
                    f.Family == FamilyFrontier.Deployable ? deployable : f.Family,
                    IntervalText(f.Aiq, Format.Aiq),
                    IntervalText(f.AiqMinusSingleHull, Format.AiqDelta),
                    Format.Percent(f.MaxQuality),
                    Format.Usd(f.MaxQualityCostUsd),
                    f.CheapestReachingBestSingle is null ? "not reached" : $"{Format.Percent(f.CostShareToReachBestSingle)} ({f.CheapestReachingBestSingle})");
            }

            areas.WriteTo(output);
            output.WriteLine();
            output.WriteLine("## HyDRA regimes (deployable policies: what fit ships; bootstrap 95% intervals over prompts)");
            output.WriteLine();
            var regimes = new MarkdownTable("regime", "point", ">quality", ">total cost", "quality vs best single [95% CI]", "cost saving [95% CI]");
            foreach (RegimeResult r in report.Regimes)
            {
                regimes.Add(
                    r.Name,
                    r.Point?.ToString() ?? "none reaches it",
                    double.IsNaN(r.Quality) ? "-" : Format.Percent(r.Quality),
                    double.IsNaN(r.TotalCostUsd) ? "-" : Format.Usd(r.TotalCostUsd),
                    IntervalText(r.QualityDelta, d => Format.PointsDelta(d)),
                    IntervalText(r.CostSaving, s => Format.Percent(s)));
            }

            regimes.WriteTo(output);
            output.WriteLine();
            output.WriteLine(report.FrontierNowhereBelowSingles
                ? "The router frontier is nowhere below the single-model frontier."
                : "The router frontier falls below the single-model frontier somewhere (see the comparison table).");
        }

        public static void WriteDetails(EvaluationReport report, TextWriter output)
        {
            output.WriteLine();
            output.WriteLine("## Single models against the router frontier");
            output.WriteLine();
            var singles = new MarkdownTable("model", ">quality", ">total cost", ">router quality at ≤ this cost", "cheapest router point reaching its quality", ">its cost");
            foreach (SingleModelComparison c in report.Comparisons.OrderByDescending(c => c.Quality))
            {
                singles.Add(
                    c.ModelId,
                    Format.Percent(c.Quality),
                    Format.Usd(c.TotalCostUsd),
                    double.IsNaN(c.RouterQualityAtCost) ? "-" : Format.Percent(c.RouterQualityAtCost),
                    c.CheapestPointReachingQuality?.ToString() ?? "none",
                    double.IsNaN(c.CostOfCheapestPoint) ? "-" : Format.Usd(c.CostOfCheapestPoint));
            }

            singles.WriteTo(output);
            output.WriteLine();
            output.WriteLine("## Router frontier (deployable policies: what fit ships)");
            output.WriteLine();
            var frontier = new MarkdownTable("point", ">quality", ">total cost");
            foreach (PointResult p in report.Points.Where(p => p.OnFrontier).OrderBy(p => p.TotalCostUsd))
            {
                frontier.Add(p.Point.ToString(), Format.Percent(p.Quality), Format.Usd(p.TotalCostUsd));
            }

            frontier.WriteTo(output);
            if (report.Calibration.Count == 0)
            {
                return;
            }

            output.WriteLine();
            output.WriteLine("## Calibration of predicted quality on held-out prompts (expected calibration error, 10 bins)");
            output.WriteLine();
            string[] estimators = report.Calibration.Select(c => c.Estimator).Distinct().ToArray();
            var ece = new MarkdownTable(estimators.Select(e => ">" + e).Prepend("model").ToArray());
            foreach (string model in report.ModelIds)
            {
                ece.Add(estimators.Select(e => Format.Quality(report.Calibration.First(c => c.Estimator == e && c.ModelId == model).ExpectedCalibrationError)).Prepend(model).ToArray());
            }

            ece.WriteTo(output);
            output.WriteLine();
            output.WriteLine("Reliability per model (predicted-quality bin: mean predicted → mean observed, count):");
            output.WriteLine();
            var reliability = new MarkdownTable("estimator", "model", "bins");
            foreach (ModelCalibration c in report.Calibration)
            {
                reliability.Add(c.Estimator, c.ModelId, string.Join("; ", c.Bins.Select(b => $"{Format.Quality(b.MeanPredicted)} → {Format.Quality(b.MeanObserved)} ({b.Count})")));
            }

            reliability.WriteTo(output);
        }

        private static string IntervalText(Interval interval, Func<double, string> format) =>
            double.IsNaN(interval.Estimate)
                ? $"- ({interval.Defined}/{interval.Samples} resamples defined)"
                : $"{format(interval.Estimate)} [{(double.IsNaN(interval.Lower) ? "-" : format(interval.Lower))}, {(double.IsNaN(interval.Upper) ? "-" : format(interval.Upper))}]"
                  + (interval.Defined < interval.Samples ? $" ({interval.Defined}/{interval.Samples} resamples defined)" : "");

        private static string Range(IEnumerable<double> values)
        {
            double[] v = values.ToArray();
            if (v.Length == 0)
            {
                return "-";
            }

            double min = v.Min(), max = v.Max();
            return min == max ? Format.Number(min) : $"{Format.Number(min)}–{Format.Number(max)} (median {Format.Number(v.OrderBy(x => x).ElementAt(v.Length / 2))})";
        }
    }
}
