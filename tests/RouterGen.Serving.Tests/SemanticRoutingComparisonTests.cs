using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using RouterGen.Embedding;
using RouterGen.Extensions.AI;
using RouterGen.Routing;
using Xunit;
using Xunit.Abstractions;

namespace RouterGen.Serving.Tests
{
    /// <summary>
    /// RouterGen against Microsoft.Extensions.AI's SemanticRoutingChatClient (the ecosystem's "route by meaning") on the
    /// same prompts and the same embedder: the example profile's three clusters (centroids = mean built-in embedding of
    /// 300 LLMRouter train prompts each) against SemanticRoutingChatClient given those same 900 prompts as its utterances,
    /// both scored on LLMRouter's 250 held-out prompts of the six source tasks. docs/results.md quotes the output.
    /// </summary>
    public sealed class SemanticRoutingComparisonTests(ITestOutputHelper output)
    {
        private static readonly string Data = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "data", "llmrouter-9", "routing.jsonl"));

        private static readonly Dictionary<string, string> ClusterOfTask = new(StringComparer.Ordinal)
        {
            ["mbpp"] = "code", ["human_eval"] = "code", ["gsm8k"] = "math", ["math"] = "math", ["natural_qa"] = "questions", ["trivia_qa"] = "questions",
        };

        [RequiresLlmRouterDataFact]
        public async Task SameExamplesSameEmbedderHeldOutClusterAccuracy()
        {
            string repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
            IPromptRouter router = RouterProfile.Load(Path.Combine(repo, "profiles", "example.router.json")).CreatePromptRouter();
            IEmbedder embedder = ((PromptRouter)router).Embedder;
            var rows = File.ReadLines(Data).Select(l => JsonDocument.Parse(l).RootElement).Where(r => ClusterOfTask.ContainsKey(r.GetProperty("group").GetString()!)).ToList();

            // The utterances: exactly the prompts the example profile's centroids were built from (docs/reproduce-example-profile.sh).
            var clients = new Dictionary<string, FakeChatClient>(StringComparer.Ordinal);
            var profiles = new Dictionary<IChatClient, IReadOnlyList<string>>();
            foreach (IGrouping<string, JsonElement> cluster in rows.Where(r => r.GetProperty("split").GetString() == "train").GroupBy(r => ClusterOfTask[r.GetProperty("group").GetString()!]))
            {
                var utterances = cluster.GroupBy(r => r.GetProperty("group").GetString())
                    .SelectMany(g => g.OrderBy(r => r.GetProperty("id").GetString(), StringComparer.Ordinal).Take(150))
                    .Select(r => r.GetProperty("prompt").GetString()!).ToList();
                clients[cluster.Key] = new FakeChatClient(cluster.Key);
                profiles[clients[cluster.Key]] = utterances;
            }

            var fallback = new FakeChatClient("none");
#pragma warning disable MEAI001 // SemanticRoutingChatClient is experimental in Microsoft.Extensions.AI 10.x.
            using var semantic = new SemanticRoutingChatClient(embedder.AsEmbeddingGenerator(), profiles, fallback, scoreThreshold: -1f, leaveOpen: true);
#pragma warning restore MEAI001
            var heldOut = rows.Where(r => r.GetProperty("split").GetString() == "test").ToList();
            await semantic.GetResponseAsync([new ChatMessage(ChatRole.User, "warm-up: the utterances are embedded on first use")]);
            router.Route("warm-up", RoutingOptions.MaxQuality);

            int routerGenRight = 0, semanticRight = 0, agree = 0;
            long routerGenTicks = 0, semanticTicks = 0;
            foreach (JsonElement row in heldOut)
            {
                string prompt = row.GetProperty("prompt").GetString()!;
                string expected = ClusterOfTask[row.GetProperty("group").GetString()!];
                long started = Stopwatch.GetTimestamp();
                string routerGen = router.Route(prompt, RoutingOptions.MaxQuality).ClusterLabel!.Split(':')[0];
                routerGenTicks += Stopwatch.GetTimestamp() - started;
                started = Stopwatch.GetTimestamp();
                string chosen = (await semantic.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)])).Text["answer from ".Length..];
                semanticTicks += Stopwatch.GetTimestamp() - started;
                routerGenRight += routerGen == expected ? 1 : 0;
                semanticRight += chosen == expected ? 1 : 0;
                agree += routerGen == chosen ? 1 : 0;
            }

            double perPromptUs(long ticks) => ticks * 1e6 / Stopwatch.Frequency / heldOut.Count;
            output.WriteLine($"held-out prompts: {heldOut.Count}");
            output.WriteLine($"RouterGen (3 centroids): {routerGenRight} right ({(double)routerGenRight / heldOut.Count:P1}), {perPromptUs(routerGenTicks):0.0} us per prompt");
            output.WriteLine($"SemanticRoutingChatClient (900 utterances, top-1): {semanticRight} right ({(double)semanticRight / heldOut.Count:P1}), {perPromptUs(semanticTicks):0.0} us per prompt");
            output.WriteLine($"same cluster chosen: {agree}");

            Assert.Equal(250, heldOut.Count);
            Assert.Equal(0, fallback.CallCount);
            Assert.True(routerGenRight >= 215, $"RouterGen: {routerGenRight} of 250 (built with 220).");
            Assert.True(semanticRight > 125, $"SemanticRoutingChatClient: {semanticRight} of 250, no better than half.");
        }
    }

    /// <summary>A fact that runs only when ../shared/data/llmrouter-9 (real routing data) is beside the repository.</summary>
    public sealed class RequiresLlmRouterDataFactAttribute : FactAttribute
    {
        public RequiresLlmRouterDataFactAttribute()
        {
            string data = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "data", "llmrouter-9", "routing.jsonl"));
            if (!File.Exists(data))
            {
                Skip = "../shared/data/llmrouter-9 is not present beside the repository; this comparison needs its prompts.";
            }
        }
    }
}
