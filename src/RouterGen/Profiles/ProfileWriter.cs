using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using RouterGen.Embedding;
using RouterGen.Routing;

namespace RouterGen.Profiles
{
    /// <summary>
    /// Writes profiles as JSON in one canonical form: fixed key order, two-space indentation, one centroid per line,
    /// shortest round-trip numbers. The same profile always gives the same bytes, so profile changes diff cleanly.
    /// </summary>
    public static class ProfileWriter
    {
        /// <summary>The canonical JSON text of <paramref name="profile"/>.</summary>
        public static string ToJson(ProfileDefinition profile)
        {
            ArgumentNullException.ThrowIfNull(profile);
            var w = new StringBuilder();
            w.Append("{\n");
            // A profile with an estimator is version 2 whatever it says; one without stays as it was, so v1 files rewrite unchanged.
            int version = profile.Estimator != null ? Math.Max(profile.FormatVersion, ProfileDefinition.EstimatorFormatVersion) : profile.FormatVersion;
            Field(w, 1, "formatVersion", Int(version), last: false);
            Field(w, 1, "name", Str(profile.Name), last: false);
            if (profile.Namespace != null)
            {
                Field(w, 1, "namespace", Str(profile.Namespace), last: false);
            }

            if (profile.Description != null)
            {
                Field(w, 1, "description", Str(profile.Description), last: false);
            }

            WriteEmbedder(w, profile.Embedder);
            w.Append("  \"models\": [\n");
            for (int i = 0; i < profile.Models.Count; i++)
            {
                ModelDefinition m = profile.Models[i];
                var parts = new List<string> { $"\"id\": {Str(m.Id)}" };
                if (m.DisplayName != null)
                {
                    parts.Add($"\"displayName\": {Str(m.DisplayName)}");
                }

                parts.Add($"\"costPerRequestUsd\": {Num(m.CostPerRequestUsd)}");
                if (m.InputPricePerMTok is double input)
                {
                    parts.Add($"\"inputPricePerMTok\": {Num(input)}");
                }

                if (m.OutputPricePerMTok is double output)
                {
                    parts.Add($"\"outputPricePerMTok\": {Num(output)}");
                }

                if (m.CostIsEstimate)
                {
                    parts.Add("\"costIsEstimate\": true");
                }

                w.Append("    { ").Append(string.Join(", ", parts)).Append(" }").Append(i + 1 < profile.Models.Count ? ",\n" : "\n");
            }

            w.Append("  ],\n");
            if (profile.CentroidPrecision != CentroidPrecision.Float32)
            {
                Field(w, 1, "centroidPrecision", Str(CentroidPrecisionNames.Format(profile.CentroidPrecision)), last: false);
            }

            w.Append("  \"clusters\": [\n");
            for (int c = 0; c < profile.Clusters.Count; c++)
            {
                ClusterDefinition cluster = profile.Clusters[c];
                w.Append("    {\n");
                Field(w, 3, "id", Str(cluster.Id), last: false);
                Field(w, 3, "label", Str(cluster.Label), last: false);
                Field(w, 3, "sampleCount", Int(cluster.SampleCount), last: false);
                Field(w, 3, "centroid", "[" + string.Join(", ", Array.ConvertAll(cluster.Centroid, Float)) + "]", last: false);
                w.Append("      \"stats\": {\n");
                for (int m = 0; m < profile.Models.Count; m++)
                {
                    w.Append("        ").Append(Str(profile.Models[m].Id)).Append(": { \"quality\": ").Append(Num(cluster.Quality[m]))
                        .Append(", \"costUsd\": ").Append(Num(cluster.CostUsd[m])).Append(" }").Append(m + 1 < profile.Models.Count ? ",\n" : "\n");
                }

                w.Append("      }\n");
                w.Append("    }").Append(c + 1 < profile.Clusters.Count ? ",\n" : "\n");
            }

            w.Append("  ],\n");
            if (profile.Estimator is EstimatorDefinition estimator)
            {
                WriteEstimator(w, estimator, profile);
            }

            w.Append("  \"presets\": [\n");
            for (int p = 0; p < profile.Presets.Count; p++)
            {
                PresetDefinition preset = profile.Presets[p];
                w.Append("    { \"name\": ").Append(Str(preset.Name)).Append(", \"policy\": ").Append(Str(RoutingPolicyNames.Format(preset.Policy))).Append(", \"value\": ").Append(Num(preset.Value));
                if (preset.Description != null)
                {
                    w.Append(", \"description\": ").Append(Str(preset.Description));
                }

                w.Append(" }").Append(p + 1 < profile.Presets.Count ? ",\n" : "\n");
            }

            w.Append("  ],\n");
            bool hasProvenance = profile.Provenance != null;
            // lowConfidenceMargin only when on, so a profile without it is written byte for byte as before.
            string margin = profile.Fallback.LowConfidenceMargin > 0 ? $", \"lowConfidenceMargin\": {Num(profile.Fallback.LowConfidenceMargin)}" : "";
            Field(w, 1, "fallback", $"{{ \"model\": {Str(profile.Fallback.Model)}, \"minSimilarity\": {Num(profile.Fallback.MinSimilarity)}{margin} }}", last: !hasProvenance);
            if (profile.Provenance is ProvenanceDefinition prov)
            {
                w.Append("  \"provenance\": {\n");
                var fields = new List<string>();
                void Add(string name, string? value)
                {
                    if (value != null)
                    {
                        fields.Add($"    \"{name}\": {Str(value)}");
                    }
                }

                Add("dataset", prov.Dataset);
                Add("attribution", prov.Attribution);
                Add("createdUtc", prov.CreatedUtc);
                Add("tool", prov.Tool);
                Add("notes", prov.Notes);
                var metrics = new List<string>();
                foreach (KeyValuePair<string, double> metric in prov.HeldOutMetrics)
                {
                    metrics.Add($"      {Str(metric.Key)}: {Num(metric.Value)}");
                }

                fields.Add(metrics.Count == 0 ? "    \"heldOutMetrics\": {}" : "    \"heldOutMetrics\": {\n" + string.Join(",\n", metrics) + "\n    }");
                w.Append(string.Join(",\n", fields)).Append('\n');
                w.Append("  }\n");
            }

            w.Append("}\n");
            return w.ToString();
        }

        /// <summary>Writes the canonical JSON atomically: the file is replaced whole or not at all.</summary>
        public static void Save(ProfileDefinition profile, string path) => AtomicFile.WriteAllText(path, ToJson(profile));

        private static void WriteEmbedder(StringBuilder w, EmbedderDefinition e)
        {
            w.Append("  \"embedder\": {\n");
            Field(w, 2, "kind", Str(e.Kind), last: false);
            Field(w, 2, "dimension", Int(e.Dimension), last: false);
            Field(w, 2, "identity", Str(e.Identity), last: false);
            var p = new List<string>();
            if (e.HashedNgrams is HashedNgramParameters h)
            {
                p.Add($"\"wordNgramMax\": {Int(h.WordNgramMax)}");
                p.Add($"\"charNgramMin\": {Int(h.CharNgramMin)}");
                p.Add($"\"charNgramMax\": {Int(h.CharNgramMax)}");
                p.Add($"\"charNgramWeight\": {Num(h.CharNgramWeight)}");
                p.Add($"\"sublinearTf\": {(h.SublinearTf ? "true" : "false")}");
                p.Add($"\"seed\": {h.Seed.ToString(CultureInfo.InvariantCulture)}");
                p.Add($"\"maxChars\": {Int(h.MaxChars)}");
                if (h.BucketWeights != null)
                {
                    p.Add($"\"bucketWeights\": [{string.Join(", ", Array.ConvertAll(h.BucketWeights, Float))}]");
                }
            }
            else if (e.Onnx is OnnxEmbedderParameters o)
            {
                p.Add($"\"modelSha256\": {Str(o.ModelSha256)}");
                p.Add($"\"pooling\": {Str(EmbeddingPoolingNames.Format(o.Pooling))}");
                if (o.Prefix != null)
                {
                    p.Add($"\"prefix\": {Str(o.Prefix)}");
                }

                p.Add($"\"maxTokens\": {Int(o.MaxTokens)}");
            }

            w.Append("    \"parameters\": {\n      ").Append(string.Join(",\n      ", p)).Append("\n    }\n");
            w.Append("  },\n");
        }

        private static void WriteEstimator(StringBuilder w, EstimatorDefinition e, ProfileDefinition profile)
        {
            w.Append("  \"estimator\": {\n");
            if (e.Kind == EstimatorDefinition.SoftClustersKind)
            {
                Field(w, 2, "kind", Str(e.Kind), last: false);
                Field(w, 2, "topClusters", Int(e.TopClusters), last: true);
            }
            else
            {
                Field(w, 2, "kind", Str(e.Kind), last: false);
                w.Append("    \"heads\": {\n");
                for (int m = 0; m < e.Heads.Count; m++)
                {
                    LinearHeadDefinition head = e.Heads[m];
                    w.Append("      ").Append(Str(profile.Models[m].Id)).Append(": {\n");
                    Field(w, 4, "bias", Num(head.Bias), last: false);
                    Field(w, 4, "calibration", head.IsotonicLogits is double[] logits
                        ? $"{{ \"method\": \"isotonic\", \"logits\": [{string.Join(", ", Array.ConvertAll(logits, Num))}], \"qualities\": [{string.Join(", ", Array.ConvertAll(head.IsotonicQualities!, Num))}] }}"
                        : $"{{ \"method\": \"platt\", \"scale\": {Num(head.PlattScale)}, \"offset\": {Num(head.PlattOffset)} }}", last: false);
                    Field(w, 4, "weights", "[" + string.Join(", ", Array.ConvertAll(head.Weights, Float)) + "]", last: true);
                    w.Append("      }").Append(m + 1 < e.Heads.Count ? ",\n" : "\n");
                }

                w.Append("    }\n");
            }

            w.Append("  },\n");
        }

        private static void Field(StringBuilder w, int depth, string name, string value, bool last) =>
            w.Append(' ', depth * 2).Append('"').Append(name).Append("\": ").Append(value).Append(last ? "\n" : ",\n");

        private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>Shortest text that reads back as the same double.</summary>
        public static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        private static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture);

        /// <summary>A JSON string literal.</summary>
        public static string Str(string value)
        {
            ArgumentNullException.ThrowIfNull(value);
            return JsonString.Quote(value);
        }
    }
}
