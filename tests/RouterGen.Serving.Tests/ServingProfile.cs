using System;
using System.Collections.Generic;
using System.IO;
using RouterGen.Embedding;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Serving.Tests
{
    /// <summary>
    /// A small hand-written profile for serving tests: three models (cheap, mid, premium) and two clusters (code, chat)
    /// whose centroids are the built-in embedder's vectors of a few example prompts, so tests need no shared data.
    /// </summary>
    /// <remarks>
    /// Expected decisions: max-quality picks premium everywhere; "balanced" (shortfall 0.05) picks premium for code and
    /// cheap for chat; "cheapest" picks cheap. premium costs $0.02 per code request and $0.01 per chat request.
    /// </remarks>
    public static class ServingProfile
    {
        public const int Dimension = 256;

        public const string CodePrompt = "Write a Python function that parses a CSV file and returns a list of dictionaries; handle quoted commas.";

        public const string ChatPrompt = "Hi! Can you tell me a fun fact about penguins and what they like to eat?";

        public static readonly string[] ModelIds = ["cheap", "mid", "premium"];

        private static readonly string[] CodeExamples =
        [
            "Write a Python function to sort a list of dictionaries by a key",
            "Fix this JavaScript code: function add(a, b) { return a - b; }",
            "Implement a binary search in C# and explain its complexity",
            "Write a SQL query that joins orders and customers and groups by country",
        ];

        private static readonly string[] ChatExamples =
        [
            "Tell me a fun fact about animals",
            "What is your favourite food and why do people like it?",
            "Can you tell me a joke about cats and dogs?",
            "Hello, how are you today? Tell me something nice.",
        ];

        public static ProfileDefinition Create()
        {
            var parameters = new HashedNgramParameters();
            var embedder = new HashedNgramEmbedder(Dimension, parameters);
            return new ProfileDefinition
            {
                Name = "ServingTestRouter",
                Description = "Serving tests: code vs chat.",
                Embedder = new EmbedderDefinition
                {
                    Kind = EmbedderDefinition.HashedNgramsKind,
                    Dimension = Dimension,
                    Identity = EmbedderIdentity.ForHashedNgrams(Dimension, parameters),
                    HashedNgrams = parameters,
                },
                Models =
                [
                    new ModelDefinition { Id = "cheap", CostPerRequestUsd = 0.00075 },
                    new ModelDefinition { Id = "mid", CostPerRequestUsd = 0.003 },
                    new ModelDefinition { Id = "premium", CostPerRequestUsd = 0.015 },
                ],
                Clusters =
                [
                    new ClusterDefinition
                    {
                        Id = "c0",
                        Label = "code",
                        SampleCount = 100,
                        Centroid = Mean(embedder, CodeExamples),
                        Quality = [0.40, 0.70, 0.90],
                        CostUsd = [0.001, 0.004, 0.02],
                    },
                    new ClusterDefinition
                    {
                        Id = "c1",
                        Label = "chat",
                        SampleCount = 100,
                        Centroid = Mean(embedder, ChatExamples),
                        Quality = [0.80, 0.82, 0.85],
                        CostUsd = [0.0005, 0.002, 0.01],
                    },
                ],
                Presets =
                [
                    new PresetDefinition { Name = "max-quality", Policy = RoutingPolicy.CostWeighted, Value = 0 },
                    new PresetDefinition { Name = "balanced", Policy = RoutingPolicy.Shortfall, Value = 0.05 },
                    new PresetDefinition { Name = "cheapest", Policy = RoutingPolicy.CostWeighted, Value = 1 },
                ],
                Fallback = new FallbackDefinition { Model = "mid", MinSimilarity = 0.05 },
                Provenance = new ProvenanceDefinition { Dataset = "hand-written", Tool = "RouterGen.Serving.Tests" },
            };
        }

        public static IPromptRouter CreateRouter() => RouterProfile.FromDefinition(Create()).CreatePromptRouter();

        /// <summary>Writes the profile to <paramref name="directory"/> and returns its path.</summary>
        public static string Save(string directory, Action<ProfileDefinition>? edit = null)
        {
            string path = Path.Combine(directory, "serving-test.router.json");
            ProfileDefinition profile = Create();
            edit?.Invoke(profile);
            ProfileWriter.Save(profile, path);
            return path;
        }

        private static float[] Mean(HashedNgramEmbedder embedder, IReadOnlyList<string> texts)
        {
            var sum = new float[Dimension];
            var one = new float[Dimension];
            foreach (string text in texts)
            {
                embedder.Embed(text, one);
                for (int i = 0; i < Dimension; i++)
                {
                    sum[i] += one[i] / texts.Count;
                }
            }

            return sum;
        }
    }
}
