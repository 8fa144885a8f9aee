using System;
using System.Collections.Generic;
using System.Globalization;
using RouterGen.Embedding;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Adds or updates models on frozen centroids: new results are assigned to the profile's existing clusters, and only
    /// the calibrated models' per-cluster quality and cost are computed (with the same Beta shrinkage as a fit). Centroids,
    /// labels, sample counts and every other model's statistics stay exactly as they were, so the diff of the generated
    /// router shows only the new model's effect.
    /// </summary>
    public static class Calibration
    {
        /// <summary>Calibrates <paramref name="profile"/> with <paramref name="results"/> (every model in it is added or updated).</summary>
        /// <exception cref="EmbedderMismatchException">The embedder is not the profile's.</exception>
        /// <exception cref="ArgumentException">The profile would exceed 64 models.</exception>
        public static CalibrationResult Calibrate(ProfileDefinition profile, RoutingDataset results, IEmbedder embedder, double? priorStrength = null)
        {
            ArgumentNullException.ThrowIfNull(profile);
            ArgumentNullException.ThrowIfNull(results);
            ArgumentNullException.ThrowIfNull(embedder);
            EmbedderMismatchException.ThrowIfMismatched(profile.Name, profile.Embedder.Identity, profile.Embedder.Dimension, embedder);
            ProfileDefinition calibrated = ProfileReader.Read(ProfileWriter.ToJson(profile)).Profile
                ?? throw new ArgumentException("The profile does not validate.", nameof(profile));
            RouterProfile router = RouterProfile.FromDefinition(calibrated);
            int clusters = calibrated.Clusters.Count;
            int dimension = calibrated.Embedder.Dimension;

            var texts = new string[results.PromptCount];
            var rows = new int[results.PromptCount];
            for (int p = 0; p < texts.Length; p++)
            {
                texts[p] = results.Prompts[p].Text;
                rows[p] = p;
            }

            EmbeddingMatrix embeddings = PromptEmbedding.EmbedAll(embedder, texts);
            var assignment = new int[texts.Length];
            var perCluster = new int[clusters];
            for (int p = 0; p < texts.Length; p++)
            {
                int c = CentroidSearch.Nearest(router.UnitCentroids, dimension, embeddings.Row(p), out float _);

                // A prompt with no usable embedding (empty text) has no nearest cluster; it is counted in the largest cluster
                // (fits order clusters by size) so that it still informs the model's global rate.
                assignment[p] = c < 0 ? 0 : c;
                perCluster[assignment[p]]++;
            }

            ClusterStatistics statistics = ClusterStatistics.Compute(results, rows, assignment, clusters, priorStrength);
            var added = new List<string>();
            var updated = new List<string>();
            for (int m = 0; m < results.ModelCount; m++)
            {
                DatasetModel model = results.Models[m];
                int at = calibrated.IndexOfModel(model.Id);
                if (at < 0)
                {
                    if (calibrated.Models.Count >= ProfileReader.MaxModels)
                    {
                        throw new ArgumentException($"Adding '{model.Id}' would give the profile more than {ProfileReader.MaxModels} models.", nameof(results));
                    }

                    calibrated.Models.Add(new ModelDefinition());
                    at = calibrated.Models.Count - 1;
                    foreach (ClusterDefinition cluster in calibrated.Clusters)
                    {
                        cluster.Quality = Append(cluster.Quality);
                        cluster.CostUsd = Append(cluster.CostUsd);
                    }

                    added.Add(model.Id);
                }
                else
                {
                    updated.Add(model.Id);
                }

                ModelDefinition definition = calibrated.Models[at];
                definition.Id = model.Id;
                definition.DisplayName = model.DisplayName ?? definition.DisplayName;
                definition.InputPricePerMTok = model.InputPricePerMTok ?? definition.InputPricePerMTok;
                definition.OutputPricePerMTok = model.OutputPricePerMTok ?? definition.OutputPricePerMTok;
                definition.CostIsEstimate = results.CostIsEstimate[m];
                definition.CostPerRequestUsd = statistics.GlobalCostUsd[m];
                for (int c = 0; c < clusters; c++)
                {
                    calibrated.Clusters[c].Quality[at] = statistics.Quality[(c * results.ModelCount) + m];
                    calibrated.Clusters[c].CostUsd[at] = statistics.CostUsd[(c * results.ModelCount) + m];
                }
            }

            ProvenanceDefinition provenance = calibrated.Provenance ??= new ProvenanceDefinition();
            string note = string.Format(
                CultureInfo.InvariantCulture,
                "Calibrated on frozen centroids with {0} ({1} prompts; prior strength {2}): {3}{4}.",
                results.Name,
                results.PromptCount,
                statistics.PriorStrength.ToString("R", CultureInfo.InvariantCulture),
                added.Count > 0 ? "added " + string.Join(", ", added) : "",
                updated.Count > 0 ? (added.Count > 0 ? "; " : "") + "updated " + string.Join(", ", updated) : "");
            if (calibrated.Estimator?.Kind == EstimatorDefinition.LinearKind && added.Count + updated.Count > 0)
            {
                // The learned heads were fit on the old results: a new model has none and an updated one a stale one. The
                // profile goes back to routing by its clusters (format version 1) until a refit learns them again.
                calibrated.Estimator = null;
                calibrated.FormatVersion = ProfileDefinition.ClusterFormatVersion;
                note += " The learned linear estimator was dropped (it has no head for the calibrated models); refit with routergen fit to learn one.";
            }

            provenance.Notes = string.IsNullOrEmpty(provenance.Notes) ? note : provenance.Notes + " " + note;
            return new CalibrationResult(calibrated, added, updated, statistics.PriorStrength, perCluster);
        }

        private static double[] Append(double[] values)
        {
            var result = new double[values.Length + 1];
            values.CopyTo(result, 0);
            return result;
        }
    }
}
