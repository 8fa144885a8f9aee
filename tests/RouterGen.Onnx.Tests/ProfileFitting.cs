using System.Collections.Generic;
using RouterGen.Profiles;

namespace RouterGen.Onnx.Tests
{
    /// <summary>Hand-made profiles whose centroids are embeddings of example prompts.</summary>
    public static class ProfileFitting
    {
        /// <summary>
        /// Two clusters: near <paramref name="cheapPrompt"/> the cheap model is as good as the strong one; near
        /// <paramref name="strongPrompt"/> only the strong model succeeds.
        /// </summary>
        public static ProfileDefinition TwoClusterProfile(OnnxEmbedder embedder, string cheapPrompt, string strongPrompt)
        {
            float[] cheapCentroid = new float[embedder.Dimension], strongCentroid = new float[embedder.Dimension];
            embedder.Embed(cheapPrompt, cheapCentroid);
            embedder.Embed(strongPrompt, strongCentroid);
            return new ProfileDefinition
            {
                Name = "OnnxTestRouter",
                Embedder = embedder.Definition,
                Models = new List<ModelDefinition>
                {
                    new() { Id = "cheap", CostPerRequestUsd = 0.001 },
                    new() { Id = "strong", CostPerRequestUsd = 0.01 },
                },
                Clusters = new List<ClusterDefinition>
                {
                    new() { Id = "c0", Label = "cheap", SampleCount = 1, Centroid = cheapCentroid, Quality = new[] { 0.9, 0.9 }, CostUsd = new[] { 0.001, 0.01 } },
                    new() { Id = "c1", Label = "strong", SampleCount = 1, Centroid = strongCentroid, Quality = new[] { 0.1, 0.9 }, CostUsd = new[] { 0.001, 0.01 } },
                },
                Fallback = new FallbackDefinition { Model = "strong", MinSimilarity = -1 },
            };
        }
    }
}
