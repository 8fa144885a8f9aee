using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using RouterGen.Embedding;
using RouterGen.Extensions.AI;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Serving.Tests
{
    /// <summary>The chat client as the Microsoft.Extensions.AI ecosystem meets it: knobs in model names, configuration,
    /// HybridCache stickiness across instances, the embedder as an IEmbeddingGenerator.</summary>
    public sealed class RouterGenEcosystemTests
    {
        private readonly IPromptRouter _router = ServingProfile.CreateRouter();
        private readonly Dictionary<string, FakeChatClient> _models = ServingProfile.ModelIds.ToDictionary(id => id, id => new FakeChatClient(id));

        private RouterGenChatClient CreateClient(RouterGenChatClientOptions? options = null, HybridCache? cache = null) =>
            new(_router, _models.Select(m => new KeyValuePair<string, IChatClient>(m.Key, m.Value)), options, cache);

        private static List<ChatMessage> Ask(string text) => [new ChatMessage(ChatRole.User, text)];

        [Theory]
        [InlineData("auto:cost-weighted:0", "premium")]
        [InlineData("auto:cost-weighted:1", "cheap")]
        [InlineData("auto:shortfall:1", "cheap")]
        public async Task KnobInTheModelNameDecides(string model, string expected)
        {
            using RouterGenChatClient client = CreateClient();

            ChatResponse response = await client.GetResponseAsync(Ask(ServingProfile.CodePrompt), new ChatOptions { ModelId = model });

            Assert.Equal(expected, response.ModelId);
            Assert.Null(response.GetRouteDecision()!.Preset);
        }

        [Fact]
        public async Task WithoutADefaultPresetTheProfilesFirstPresetApplies()
        {
            using RouterGenChatClient client = CreateClient();

            ChatResponse response = await client.GetResponseAsync(Ask(ServingProfile.ChatPrompt));

            Assert.Equal(_router.Tables.PresetNames[0], response.GetRouteDecision()!.Preset);
        }

        [Fact]
        public async Task OptionsBindFromConfiguration()
        {
            IConfiguration configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["RouterGen:DefaultPreset"] = "balanced", ["RouterGen:MaxAttempts"] = "1" })
                .Build();
            var services = new ServiceCollection();
            services.Configure<RouterGenChatClientOptions>(configuration.GetSection("RouterGen"));
            foreach (KeyValuePair<string, FakeChatClient> model in _models)
            {
                services.AddKeyedChatClient(model.Key, model.Value);
            }

            services.AddRouterGenChatClient(_ => _router);
            using ServiceProvider provider = services.BuildServiceProvider();
            IChatClient client = provider.GetRequiredService<IChatClient>();
            _models["premium"].FailWith = new HttpRequestException("premium down");

            ChatResponse chat = await client.GetResponseAsync(Ask(ServingProfile.ChatPrompt));
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetResponseAsync(Ask(ServingProfile.CodePrompt)));

            Assert.Equal("balanced", chat.GetRouteDecision()!.Preset);
            Assert.Equal(0, _models["mid"].CallCount);
        }

        [Fact]
        public async Task StickinessHoldsAcrossInstancesSharingADistributedCache()
        {
            var shared = new SharedStore(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())));
            using ServiceProvider first = HybridCacheOver(shared);
            using ServiceProvider second = HybridCacheOver(shared);
            var options = new RouterGenChatClientOptions { StickyConversations = true, DefaultPreset = "balanced" };
            using RouterGenChatClient instanceA = CreateClient(options, first.GetRequiredService<HybridCache>());
            using RouterGenChatClient instanceB = CreateClient(options, second.GetRequiredService<HybridCache>());

            ChatResponse opening = await instanceA.GetResponseAsync(Ask(ServingProfile.ChatPrompt), new ChatOptions { ConversationId = "c-1" });
            ChatResponse followUp = await instanceB.GetResponseAsync(Ask(ServingProfile.CodePrompt), new ChatOptions { ConversationId = "c-1" });
            ChatResponse otherConversation = await instanceB.GetResponseAsync(Ask(ServingProfile.CodePrompt), new ChatOptions { ConversationId = "c-2" });

            Assert.Equal("cheap", opening.ModelId);
            Assert.False(opening.GetRouteDecision()!.IsSticky);
            Assert.Equal("cheap", followUp.ModelId);
            Assert.True(followUp.GetRouteDecision()!.IsSticky);
            Assert.Equal("premium", otherConversation.ModelId);
        }

        [Fact]
        public async Task EmbedderAsEmbeddingGeneratorMatchesTheEmbedder()
        {
            IEmbedder embedder = ((PromptRouter)_router).Embedder;
            using IEmbeddingGenerator<string, Embedding<float>> generator = embedder.AsEmbeddingGenerator();
            float[] direct = new float[embedder.Dimension];
            embedder.Embed(ServingProfile.CodePrompt, direct);

            GeneratedEmbeddings<Embedding<float>> generated = await generator.GenerateAsync([ServingProfile.CodePrompt, ServingProfile.ChatPrompt]);

            Assert.Equal(2, generated.Count);
            Assert.Equal(direct, generated[0].Vector.ToArray());
            Assert.Equal(embedder.Dimension, generator.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelDimensions);
        }

        private static ServiceProvider HybridCacheOver(IDistributedCache distributed)
        {
            var services = new ServiceCollection();
            services.AddSingleton(distributed);
            services.AddHybridCache();
            return services.BuildServiceProvider();
        }
    }

    /// <summary>
    /// A distributed cache two service providers share, standing in for Redis. (HybridCache ignores a bare
    /// MemoryDistributedCache as its second level, since it would only duplicate the first.)
    /// </summary>
    internal sealed class SharedStore(IDistributedCache store) : IDistributedCache
    {
        public byte[]? Get(string key) => store.Get(key);

        public Task<byte[]?> GetAsync(string key, System.Threading.CancellationToken token = default) => store.GetAsync(key, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => store.Set(key, value, options);

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, System.Threading.CancellationToken token = default) => store.SetAsync(key, value, options, token);

        public void Refresh(string key) => store.Refresh(key);

        public Task RefreshAsync(string key, System.Threading.CancellationToken token = default) => store.RefreshAsync(key, token);

        public void Remove(string key) => store.Remove(key);

        public Task RemoveAsync(string key, System.Threading.CancellationToken token = default) => store.RemoveAsync(key, token);
    }

    [CollectionDefinition(nameof(TelemetryCollection), DisableParallelization = true)]
    public sealed class TelemetryCollection
    {
    }

    /// <summary>Spans and metrics as an OpenTelemetry user collects them, captured with the SDK's in-memory exporter.
    /// Not run in parallel with other tests: the meters are process-wide, and other tests' requests would add to the counts.</summary>
    [Collection(nameof(TelemetryCollection))]
    public sealed class RouterGenTelemetryTests
    {
        private const string GenAISource = "RouterGen.Tests.GenAI";
        private readonly IPromptRouter _router = ServingProfile.CreateRouter();
        private readonly Dictionary<string, FakeChatClient> _models = ServingProfile.ModelIds.ToDictionary(id => id, id => new FakeChatClient(id));

        [Fact]
        public async Task RoutingSpanNestsUnderTheGenAISpanAndCarriesTheDecisionAndAttempts()
        {
            var spans = new List<Activity>();
            using TracerProvider tracing = Sdk.CreateTracerProviderBuilder()
                .AddSource(GenAISource, Serving.RoutingTelemetry.SourceName)
                .AddInMemoryExporter(spans)
                .Build();
            _models["premium"].FailWith = new HttpRequestException("premium down");
            using IChatClient client = new ChatClientBuilder(new RouterGenChatClient(_router, _models.Select(m => new KeyValuePair<string, IChatClient>(m.Key, m.Value))))
                .UseOpenTelemetry(sourceName: GenAISource)
                .Build();

            ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, ServingProfile.CodePrompt)], new ChatOptions { ModelId = "auto:max-quality" });
            tracing.ForceFlush();

            Activity route = Assert.Single(spans, s => s.OperationName == Serving.RoutingTelemetry.RouteActivityName);
            Activity chat = Assert.Single(spans, s => s.Source.Name == GenAISource);
            Assert.Equal(chat.SpanId, route.ParentSpanId);
            Assert.Equal("code", route.GetTagItem("routergen.cluster.label"));
            Assert.Equal(0, route.GetTagItem("routergen.cluster.index"));
            Assert.Equal("max-quality", route.GetTagItem("routergen.preset"));
            Assert.Equal("cost-weighted", route.GetTagItem("routergen.policy"));
            Assert.Equal("premium", route.GetTagItem("routergen.model"));
            Assert.Equal(response.ModelId, route.GetTagItem("routergen.served_model"));
            Assert.Equal(2, route.GetTagItem("routergen.attempts"));
            Assert.Equal(1, route.GetTagItem("routergen.fallbacks"));
            Assert.True((double)route.GetTagItem("routergen.similarity")! > 0.05);
            Assert.Contains(route.Events, e => e.Name == "routergen.attempt_failed");
        }

        [Fact]
        public async Task MetersCountDecisionsFallbacksAndFailuresByModel()
        {
            var metrics = new List<Metric>();
            using (MeterProvider meters = Sdk.CreateMeterProviderBuilder().AddMeter(Serving.RoutingTelemetry.MeterName).AddInMemoryExporter(metrics).Build())
            {
                _models["premium"].FailWith = new HttpRequestException("premium down");
                using var client = new RouterGenChatClient(_router, _models.Select(m => new KeyValuePair<string, IChatClient>(m.Key, m.Value)));
                await client.GetResponseAsync([new ChatMessage(ChatRole.User, ServingProfile.CodePrompt)]);
                await client.GetResponseAsync([new ChatMessage(ChatRole.User, ServingProfile.CodePrompt)]);
            }

            // Disposing the provider exported once (a ForceFlush as well would add a second, cumulative copy of every metric).

            Assert.Equal(2, Sum(metrics, "routergen.decisions", "routergen.model", "premium"));
            Assert.Equal(2, Sum(metrics, "routergen.fallbacks", "routergen.model", "premium"));
            Assert.Equal(2, Sum(metrics, "routergen.upstream.failures", "routergen.failure", nameof(HttpRequestException)));
            Assert.Contains(metrics, m => m.Name == "routergen.decision.duration");
            Assert.Contains(metrics, m => m.Name == "routergen.request.duration");
        }

        private static long Sum(List<Metric> metrics, string name, string tag, string value)
        {
            long total = 0;
            foreach (Metric metric in metrics.Where(m => m.Name == name))
            {
                foreach (MetricPoint point in metric.GetMetricPoints())
                {
                    foreach (KeyValuePair<string, object?> pair in point.Tags)
                    {
                        if (pair.Key == tag && Equals(pair.Value, value))
                        {
                            total += point.GetSumLong();
                        }
                    }
                }
            }

            return total;
        }
    }
}
