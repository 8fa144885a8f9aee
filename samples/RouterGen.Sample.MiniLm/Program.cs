using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using RouterGen.Embedding;
using RouterGen.Onnx;
using RouterGen.Routing;
using Router = RouterGen.Sample.MiniLm.SweBenchMiniLmRouter;

namespace RouterGen.Sample.MiniLm
{
    /// <summary>
    /// Routes prompts with the router compiled from profiles/swebench-verified.minilm.router.json, embedding them with the
    /// real all-MiniLM-L6-v2 through ONNX Runtime.
    /// Usage: RouterGen.Sample.MiniLm --model DIR [--preset NAME] "prompt"
    ///        RouterGen.Sample.MiniLm --model DIR --latency FILE   (one prompt per line: per-prompt embed + route times)
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            string? model = Environment.GetEnvironmentVariable("ROUTERGEN_MODEL");
            string? presetName = null;
            string? prompt = null;
            string? latencyFile = null;
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--model" when i + 1 < args.Length:
                        model = args[++i];
                        break;
                    case "--preset" when i + 1 < args.Length:
                        presetName = args[++i];
                        break;
                    case "--latency" when i + 1 < args.Length:
                        latencyFile = args[++i];
                        break;
                    case "-h" or "--help":
                        PrintUsage();
                        return 0;
                    default:
                        if (args[i].StartsWith("--", StringComparison.Ordinal) || prompt is not null)
                        {
                            return Fail($"Unexpected argument '{args[i]}'. Quote the prompt as one argument.");
                        }

                        prompt = args[i];
                        break;
                }
            }

            if (model is null || (prompt is null && latencyFile is null))
            {
                PrintUsage();
                return 1;
            }

            RoutingOptions options = RoutingOptions.MaxQuality;
            if (presetName is not null && !Router.Tables.TryGetPreset(presetName, out options))
            {
                return Fail($"--preset: '{presetName}' is not a preset of {Router.Tables.Name} (presets: {string.Join(", ", Router.Tables.PresetNames)}).");
            }

            try
            {
                // The model the profile was fit with: CreatePromptRouter refuses an embedder of another identity.
                using OnnxEmbedder embedder = OnnxEmbedder.Load(model);
                IPromptRouter router = Router.CreatePromptRouter(embedder);
                if (latencyFile is not null)
                {
                    return MeasureLatency(router, File.ReadAllLines(latencyFile), options);
                }

                RouteDecision decision = router.Route(prompt!, options);
                Console.WriteLine($"Router   {decision.Tables.Name}: {Router.ClusterCount} clusters, {Router.ModelCount} models, embedder {embedder.Identity}");
                Console.WriteLine($"Preset   {(presetName ?? "(none: maximum expected quality)")} -> {decision.Options}");
                Console.WriteLine($"Model    {decision.ModelId}");
                Console.WriteLine($"Cluster  #{decision.ClusterIndex} \"{decision.ClusterLabel}\", cosine similarity {F(decision.Similarity, "0.000")}{(decision.IsFallback ? " (fallback rule applied)" : "")}");
                Console.WriteLine($"Expected quality {F(decision.ExpectedQuality * 100, "0.0")}%, cost ${F(decision.ExpectedCostUsd, "0.0000")} per request");
                return 0;
            }
            catch (Exception e) when (e is OnnxModelException or EmbedderMismatchException or IOException)
            {
                return Fail(e.Message);
            }
        }

        // Embed + route per prompt, in order, one thread (the first call is reported apart: it includes ONNX Runtime's
        // first-run allocations).
        private static int MeasureLatency(IPromptRouter router, string[] prompts, RoutingOptions options)
        {
            var times = new List<double>();
            var models = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (string prompt in prompts)
            {
                if (prompt.Length == 0)
                {
                    continue;
                }

                long start = Stopwatch.GetTimestamp();
                RouteDecision decision = router.Route(prompt, options);
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                models[decision.ModelId] = models.GetValueOrDefault(decision.ModelId) + 1;
            }

            if (times.Count < 2)
            {
                return Fail("--latency: the file needs at least two non-empty lines.");
            }

            double first = times[0];
            times.RemoveAt(0);
            times.Sort();
            Console.WriteLine($"{times.Count + 1} prompts: first {F(first, "0.0")} ms; then median {F(times[times.Count / 2], "0.0")} ms, p95 {F(times[(int)(times.Count * 0.95)], "0.0")} ms, max {F(times[^1], "0.0")} ms per prompt (embed + route)");
            foreach (KeyValuePair<string, int> pair in models)
            {
                Console.WriteLine($"  {pair.Key}: {pair.Value}");
            }

            return 0;
        }

        private static void PrintUsage()
        {
            Console.WriteLine("Usage: RouterGen.Sample.MiniLm --model DIR [--preset NAME] \"prompt\"");
            Console.WriteLine("       RouterGen.Sample.MiniLm --model DIR --latency FILE   (one prompt per line)");
            Console.WriteLine("DIR: a model folder from `routergen model-folder --out DIR` (or ROUTERGEN_MODEL).");
            Console.WriteLine($"Presets of {Router.Tables.Name}: {string.Join(", ", Router.Tables.PresetNames)}");
        }

        private static int Fail(string message)
        {
            Console.Error.WriteLine(message);
            return 1;
        }

        private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
    }
}
