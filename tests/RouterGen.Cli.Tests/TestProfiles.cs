using System;
using System.Collections.Generic;
using System.IO;
using RouterGen.Embedding;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Cli.Tests
{
    /// <summary>
    /// Small hand-written profiles: three clusters whose centroids are embeddings of topic phrases (so prompts on those
    /// topics land in them), and three models with clear trade-offs.
    /// </summary>
    internal static class TestProfiles
    {
        public const int Dimension = 256;

        public static readonly HashedNgramParameters Parameters = new();

        public static readonly string[] Topics =
        [
            "python django queryset migration model database orm",
            "write a poem story rhyme verse creative fiction",
            "sql join index query postgres table performance",
        ];

        /// <summary>Models: big (best, expensive), mid, small (cheap). Quality rows per cluster in model order.</summary>
        public static ProfileDefinition Create(string name = "TestRouter")
        {
            var embedder = new HashedNgramEmbedder(Dimension, Parameters);
            var profile = new ProfileDefinition
            {
                Name = name,
                Description = "A hand-written test profile.",
                Embedder = new EmbedderDefinition
                {
                    Kind = EmbedderDefinition.HashedNgramsKind,
                    Dimension = Dimension,
                    Identity = EmbedderIdentity.ForHashedNgrams(Dimension, Parameters),
                    HashedNgrams = Parameters,
                },
                Models =
                [
                    new ModelDefinition { Id = "big", CostPerRequestUsd = 1.0, InputPricePerMTok = 15, OutputPricePerMTok = 75 },
                    new ModelDefinition { Id = "mid", CostPerRequestUsd = 0.3 },
                    new ModelDefinition { Id = "small", CostPerRequestUsd = 0.02, CostIsEstimate = true },
                ],
                Presets =
                [
                    new PresetDefinition { Name = "max-quality", Policy = RoutingPolicy.CostWeighted, Value = 0, Description = "Best expected quality." },
                    new PresetDefinition { Name = "within-5", Policy = RoutingPolicy.Shortfall, Value = 0.05 },
                    new PresetDefinition { Name = "cheap", Policy = RoutingPolicy.CostWeighted, Value = 0.8 },
                ],
                Fallback = new FallbackDefinition { Model = "mid", MinSimilarity = 0.05 },
                Provenance = new ProvenanceDefinition
                {
                    Dataset = "hand-written",
                    Attribution = "RouterGen tests",
                    CreatedUtc = "2026-11-23T00:00:00Z",
                    Tool = "tests",
                    HeldOutMetrics = new SortedDictionary<string, double>(StringComparer.Ordinal) { ["cv10.accuracy"] = 0.71 },
                },
            };
            double[][] quality =
            [
                [0.80, 0.78, 0.40], // django: mid is within 5 points of big
                [0.70, 0.50, 0.68], // poems: small is nearly as good
                [0.90, 0.60, 0.30], // sql: big is far ahead
            ];
            int[] samples = [120, 40, 60];
            string[] labels = ["django, queryset, migration", "poem, story, rhyme", "sql, join, index"];
            for (int c = 0; c < Topics.Length; c++)
            {
                var centroid = new float[Dimension];
                embedder.Embed(Topics[c], centroid);
                profile.Clusters.Add(new ClusterDefinition
                {
                    Id = "c" + c,
                    Label = labels[c],
                    SampleCount = samples[c],
                    Centroid = centroid,
                    Quality = quality[c],
                    CostUsd = [1.0, 0.3, 0.02],
                });
            }

            return profile;
        }

        /// <summary>Writes a profile into a fresh temp folder and returns its path.</summary>
        public static string Save(ProfileDefinition profile, TempFolder folder, string fileName = "test.router.json")
        {
            string path = Path.Combine(folder.Path, fileName);
            ProfileWriter.Save(profile, path);
            return path;
        }
    }

    /// <summary>Runs the CLI in-process and captures its streams.</summary>
    internal sealed record CliRun(int ExitCode, string Output, string Error)
    {
        public static CliRun Of(params string[] args)
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            int code = Program.Run(args, output, error);
            return new CliRun(code, output.ToString(), error.ToString());
        }
    }
}
