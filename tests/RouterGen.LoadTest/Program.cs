using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using RouterGen.Proxy;
using RouterGen.Routing;
using RouterGen.Serving.Tests;

namespace RouterGen.LoadTest
{
    /// <summary>
    /// Sends the same bounded load (default 20,000 requests, 64 in flight) over loopback twice in one run: straight to the
    /// fake upstream, then through the routing proxy with model "auto". The difference in latency percentiles is what
    /// the proxy adds (parsing, embedding, routing, forwarding). Any failed request makes the exit code 1.
    /// </summary>
    internal static class Program
    {
        private const int SequentialRequests = 2_000;

        public static async Task<int> Main(string[] args)
        {
            int requests = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
            int concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
            string[] prompts = Prompts(256);

            await using FakeOpenAIUpstream upstream = await FakeOpenAIUpstream.StartAsync();
            upstream.Record = false;
            string directory = Path.Combine(Path.GetTempPath(), "routergen-loadtest-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            try
            {
                ServingProfile.Save(directory);
                var config = new ProxyConfig { Profile = "serving-test.router.json", Models = new Dictionary<string, UpstreamConfig>() };
                foreach (string model in ServingProfile.ModelIds)
                {
                    config.Models[model] = new UpstreamConfig { BaseUrl = upstream.BaseUrl.ToString(), UpstreamModel = model + "-v1" };
                }

                ProxySettings settings = ProxySettings.FromConfig(config, directory);
                IPromptRouter router = settings.LoadRouter();
                WebApplication proxy = RoutingProxy.Create(settings, router, new RoutingProxyOptions
                {
                    Urls = "http://127.0.0.1:0",
                    ConfigureLogging = logging => logging.ClearProviders(),
                });
                await proxy.StartAsync();
                try
                {
                    var proxyUrl = new Uri(proxy.Urls.First() + "/v1/chat/completions");
                    var directUrl = new Uri(upstream.BaseUrl + "/chat/completions");
                    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { Timeout = TimeSpan.FromSeconds(30) };
                    byte[][] directBodies = prompts.Select(p => Body("mid-v1", p)).ToArray();
                    byte[][] proxyBodies = prompts.Select(p => Body("auto", p)).ToArray();
                    byte[][] passThroughBodies = prompts.Select(p => Body("mid", p)).ToArray();

                    // Warm-up: JIT, connection pools, tiered compilation of both paths.
                    await RunAsync(http, directUrl, directBodies, 2_000, concurrency);
                    await RunAsync(http, proxyUrl, proxyBodies, 2_000, concurrency);
                    await RunAsync(http, proxyUrl, passThroughBodies, 2_000, concurrency);

                    // Interleaved rounds, so that background load on a shared machine hits both paths alike.
                    const int Rounds = 10;
                    var direct = new List<Result>();
                    var proxied = new List<Result>();
                    var passedThrough = new List<Result>();
                    for (int round = 0; round < Rounds; round++)
                    {
                        direct.Add(await RunAsync(http, directUrl, directBodies, requests / Rounds, concurrency));
                        proxied.Add(await RunAsync(http, proxyUrl, proxyBodies, requests / Rounds, concurrency));
                        passedThrough.Add(await RunAsync(http, proxyUrl, passThroughBodies, requests / Rounds, concurrency));
                    }

                    // One request at a time: the latency the proxy adds to a single request, without queueing.
                    var directAlone = new List<Result>();
                    var proxiedAlone = new List<Result>();
                    for (int round = 0; round < Rounds; round++)
                    {
                        directAlone.Add(await RunAsync(http, directUrl, directBodies, SequentialRequests / Rounds, 1));
                        proxiedAlone.Add(await RunAsync(http, proxyUrl, proxyBodies, SequentialRequests / Rounds, 1));
                    }

                    double routeMicroseconds = MeasureRouting(router, prompts);
                    Console.WriteLine($"machine: {CpuName()}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
                    Console.WriteLine("client, proxy and fake upstream share this process; loopback; non-streaming; 10 interleaved rounds per table");
                    Console.WriteLine();
                    Report($"{requests:N0} requests per path, {concurrency} concurrent", Result.Merge(direct), Result.Merge(proxied), Result.Merge(passedThrough));
                    Report($"{SequentialRequests:N0} requests per path, 1 at a time", Result.Merge(directAlone), Result.Merge(proxiedAlone), null);
                    Console.WriteLine(FormattableString.Invariant($"embedding + routing alone (built-in embedder, single thread, same prompts): {routeMicroseconds:0.0} us per prompt"));
                    int errors = direct.Concat(proxied).Concat(passedThrough).Concat(directAlone).Concat(proxiedAlone).Sum(r => r.Errors);
                    Console.WriteLine($"errors: {errors}");
                    return errors == 0 ? 0 : 1;
                }
                finally
                {
                    await proxy.StopAsync();
                    await proxy.DisposeAsync();
                }
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        private static async Task<Result> RunAsync(HttpClient http, Uri url, byte[][] bodies, int requests, int concurrency)
        {
            var latencies = new double[requests];
            int next = -1;
            int errors = 0;
            string? firstError = null;
            long started = Stopwatch.GetTimestamp();
            var workers = new Task[concurrency];
            for (int w = 0; w < concurrency; w++)
            {
                workers[w] = Task.Run(async () =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < requests)
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        try
                        {
                            using var content = new ByteArrayContent(bodies[i % bodies.Length]);
                            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                            using HttpResponseMessage response = await http.PostAsync(url, content);
                            byte[] answer = await response.Content.ReadAsByteArrayAsync();
                            if (!response.IsSuccessStatusCode || answer.Length == 0)
                            {
                                Interlocked.Increment(ref errors);
                                Interlocked.CompareExchange(ref firstError, $"HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(answer)}", null);
                            }
                        }
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                        {
                            Interlocked.Increment(ref errors);
                            Interlocked.CompareExchange(ref firstError, e.Message, null);
                        }

                        latencies[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    }
                });
            }

            await Task.WhenAll(workers);
            TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
            Array.Sort(latencies);
            return new Result(latencies, errors, firstError, elapsed);
        }

        // Time of embedding + routing alone, single-threaded, for the same prompts: the part of the overhead that is RouterGen's.
        private static double MeasureRouting(IPromptRouter router, string[] prompts)
        {
            RoutingOptions options = RoutingOptions.MaxQuality;
            for (int i = 0; i < 20_000; i++)
            {
                router.Route(prompts[i % prompts.Length], options);
            }

            const int Count = 100_000;
            long t0 = Stopwatch.GetTimestamp();
            int sink = 0;
            for (int i = 0; i < Count; i++)
            {
                sink += router.Route(prompts[i % prompts.Length], options).ModelIndex;
            }

            double micro = Stopwatch.GetElapsedTime(t0).TotalMilliseconds * 1000 / Count;
            return sink >= 0 ? micro : double.NaN;
        }

        private static void Report(string load, Result direct, Result proxied, Result? passedThrough)
        {
            Console.WriteLine($"load: {load}");
            Console.WriteLine();
            Console.WriteLine("| path | requests | errors | throughput (req/s) | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            Row("direct to fake upstream", direct);
            Row("through proxy (model auto)", proxied);
            if (passedThrough is not null)
            {
                Row("through proxy (model mid, pass-through: no routing)", passedThrough);
            }

            Console.WriteLine();
            Console.WriteLine(FormattableString.Invariant($"added by the proxy: p50 {proxied.Percentile(50) - direct.Percentile(50):0.000} ms, p99 {proxied.Percentile(99) - direct.Percentile(99):0.000} ms (difference of percentiles)"));
            if ((direct.FirstError ?? proxied.FirstError) is { } error)
            {
                Console.WriteLine($"first error: {error}");
            }

            Console.WriteLine();
        }

        private static void Row(string name, Result result) =>
            Console.WriteLine(FormattableString.Invariant(
                $"| {name} | {result.Latencies.Length} | {result.Errors} | {result.Latencies.Length / result.Elapsed.TotalSeconds:0} | {result.Percentile(50):0.000} | {result.Percentile(90):0.000} | {result.Percentile(99):0.000} | {result.Latencies[^1]:0.000} |"));

        private static string CpuName()
        {
            try
            {
                string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
            }
            catch (IOException)
            {
                return RuntimeInformation.ProcessArchitecture.ToString();
            }
        }

        private static byte[] Body(string model, string prompt) =>
            JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["model"] = model,
                ["messages"] = new[] { new Dictionary<string, string> { ["role"] = "system", ["content"] = "You are a helpful assistant." }, new Dictionary<string, string> { ["role"] = "user", ["content"] = prompt } },
                ["max_tokens"] = 64,
            });

        // Varied prompts of realistic length (about 100-700 characters), half code-like and half chat-like.
        private static string[] Prompts(int count)
        {
            string[] topics = ["a CSV parser", "binary search", "a REST client", "SQL joins", "penguins", "the weather", "a birthday poem", "coffee", "tax returns", "a React hook", "sourdough bread", "Rust lifetimes"];
            string[] asks = ["Write a Python function for", "Explain step by step", "Tell me a fun fact about", "Fix the bug in my code for", "Give me three ideas about", "Summarise what you know about"];
            var random = new Random(42);
            var prompts = new string[count];
            for (int i = 0; i < count; i++)
            {
                var text = new StringBuilder();
                int sentences = 1 + random.Next(6);
                for (int s = 0; s < sentences; s++)
                {
                    text.Append(asks[random.Next(asks.Length)]).Append(' ').Append(topics[random.Next(topics.Length)]).Append(", keeping it short and clear (case ").Append(i).Append("). ");
                }

                prompts[i] = text.ToString();
            }

            return prompts;
        }

        private sealed record Result(double[] Latencies, int Errors, string? FirstError, TimeSpan Elapsed)
        {
            public double Percentile(double p) => Latencies[Math.Min(Latencies.Length - 1, (int)Math.Ceiling(p / 100 * Latencies.Length) - 1)];

            public static Result Merge(List<Result> rounds)
            {
                double[] all = rounds.SelectMany(r => r.Latencies).ToArray();
                Array.Sort(all);
                return new Result(all, rounds.Sum(r => r.Errors), rounds.Select(r => r.FirstError).FirstOrDefault(e => e is not null), TimeSpan.FromTicks(rounds.Sum(r => r.Elapsed.Ticks)));
            }
        }
    }
}
