using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;

namespace RouterGen.Fitting
{
    /// <summary>Writes an <see cref="EvaluationReport"/> as JSON (no reflection: safe under NativeAOT and trimming).</summary>
    public static class EvaluationReportJson
    {
        /// <summary>The report as indented JSON; values that do not exist (NaN) are written as null.</summary>
        public static string ToJson(EvaluationReport report)
        {
            ArgumentNullException.ThrowIfNull(report);
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("dataset", report.Dataset);
                w.WriteString("mode", EvaluationModeNames.Format(report.Mode));
                w.WriteNumber("folds", report.Folds);
                w.WriteNumber("seeds", report.Seeds);
                w.WriteNumber("seed", report.Seed);
                w.WriteNumber("prompts", report.PromptCount);
                w.WriteNumber("fitPromptsPerFit", report.FitPromptCount);
                w.WriteString("embedder", report.EmbedderIdentity);
                WriteArray(w, "models", report.ModelIds, w.WriteStringValue);
                WriteArray(w, "clusterCounts", report.ClusterCounts, w.WriteNumberValue);
                WriteArray(w, "priorStrengths", report.PriorStrengths, a => Number(w, a));
                WriteArray(w, "estimatorChoices", report.EstimatorChoices, w.WriteStringValue);
                WriteArray(w, "softClusterSizes", report.SoftClusterSizes, w.WriteNumberValue);
                WriteArray(w, "lowConfidenceMargins", report.LowConfidenceMargins, m => Number(w, m));
                w.WritePropertyName("lowConfidenceShare");
                Number(w, report.LowConfidenceShare);
                w.WritePropertyName("bestSingle");
                Single(w, report.BestSingle);
                w.WritePropertyName("oracle");
                Single(w, report.Oracle);
                w.WriteBoolean("frontierNowhereBelowSingles", report.FrontierNowhereBelowSingles);
                w.WriteStartObject("aiq");
                Number(w, "costMinUsd", report.AiqCostMinUsd);
                Number(w, "costMaxUsd", report.AiqCostMaxUsd);
                w.WritePropertyName("singleModelHull");
                Interval(w, report.SingleModelHullAiq);
                w.WriteStartArray("families");
                foreach (FamilyFrontier f in report.Families)
                {
                    w.WriteStartObject();
                    w.WriteString("family", f.Family);
                    w.WritePropertyName("aiq");
                    Interval(w, f.Aiq);
                    w.WritePropertyName("aiqMinusSingleModelHull");
                    Interval(w, f.AiqMinusSingleHull);
                    Number(w, "maxQuality", f.MaxQuality);
                    Number(w, "maxQualityTotalCostUsd", f.MaxQualityCostUsd);
                    w.WriteString("cheapestPointReachingBestSingle", f.CheapestReachingBestSingle?.ToString());
                    Number(w, "costShareToReachBestSingle", f.CostShareToReachBestSingle);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteStartArray("calibration");
                foreach (ModelCalibration c in report.Calibration)
                {
                    w.WriteStartObject();
                    w.WriteString("estimator", c.Estimator);
                    w.WriteString("model", c.ModelId);
                    Number(w, "expectedCalibrationError", c.ExpectedCalibrationError);
                    w.WriteStartArray("bins");
                    foreach (ReliabilityBin b in c.Bins)
                    {
                        w.WriteStartObject();
                        Number(w, "lower", b.Lower);
                        Number(w, "upper", b.Upper);
                        w.WriteNumber("count", b.Count);
                        Number(w, "meanPredicted", b.MeanPredicted);
                        Number(w, "meanObserved", b.MeanObserved);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("regimes");
                foreach (RegimeResult r in report.Regimes)
                {
                    w.WriteStartObject();
                    w.WriteString("name", r.Name);
                    w.WriteString("description", r.Description);
                    w.WriteString("point", r.Point?.ToString());
                    Number(w, "quality", r.Quality);
                    Number(w, "totalCostUsd", r.TotalCostUsd);
                    w.WritePropertyName("qualityDelta");
                    Interval(w, r.QualityDelta);
                    w.WritePropertyName("costSaving");
                    Interval(w, r.CostSaving);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("singles");
                foreach (SingleModelResult s in report.Singles)
                {
                    Single(w, s);
                }

                w.WriteEndArray();
                w.WriteStartArray("comparisons");
                foreach (SingleModelComparison c in report.Comparisons)
                {
                    w.WriteStartObject();
                    w.WriteString("model", c.ModelId);
                    Number(w, "quality", c.Quality);
                    Number(w, "totalCostUsd", c.TotalCostUsd);
                    Number(w, "routerQualityAtCost", c.RouterQualityAtCost);
                    w.WriteString("cheapestPointReachingQuality", c.CheapestPointReachingQuality?.ToString());
                    Number(w, "costOfCheapestPoint", c.CostOfCheapestPoint);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("points");
                foreach (PointResult p in report.Points)
                {
                    w.WriteStartObject();
                    w.WriteString("policy", p.Point.Family);
                    Number(w, "knob", p.Point.Knob);
                    Number(w, "quality", p.Quality);
                    Number(w, "totalCostUsd", p.TotalCostUsd);
                    w.WriteBoolean("onFrontier", p.OnFrontier);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                Number(w, "elapsedSeconds", report.ElapsedSeconds);
                w.WriteEndObject();
            }

            return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
        }

        // One per-fit list (each outer fit's k, alpha, estimator, p, margin): a named array of plain values.
        private static void WriteArray<T>(Utf8JsonWriter w, string name, IEnumerable<T> values, Action<T> write)
        {
            w.WriteStartArray(name);
            foreach (T value in values)
            {
                write(value);
            }

            w.WriteEndArray();
        }

        private static void Single(Utf8JsonWriter w, SingleModelResult s)
        {
            w.WriteStartObject();
            w.WriteString("model", s.ModelId);
            Number(w, "quality", s.Quality);
            Number(w, "totalCostUsd", s.TotalCostUsd);
            w.WriteBoolean("onFrontier", s.OnFrontier);
            w.WriteEndObject();
        }

        private static void Interval(Utf8JsonWriter w, Interval i)
        {
            w.WriteStartObject();
            Number(w, "estimate", i.Estimate);
            Number(w, "lower95", i.Lower);
            Number(w, "upper95", i.Upper);
            w.WriteNumber("definedSamples", i.Defined);
            w.WriteNumber("samples", i.Samples);
            w.WriteEndObject();
        }

        private static void Number(Utf8JsonWriter w, string name, double value)
        {
            w.WritePropertyName(name);
            Number(w, value);
        }

        private static void Number(Utf8JsonWriter w, double value)
        {
            if (double.IsFinite(value))
            {
                w.WriteNumberValue(value);
            }
            else
            {
                w.WriteNullValue();
            }
        }
    }
}
