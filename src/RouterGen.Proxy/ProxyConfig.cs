using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RouterGen.Proxy
{
    /// <summary>
    /// The proxy's JSON configuration (see docs/serving.md). Secrets are never written here: API keys are read from the
    /// environment variables the configuration names.
    /// </summary>
    public sealed class ProxyConfig
    {
        /// <summary>Largest value of <see cref="MaxRequestBodyBytes"/> and <see cref="MaxUpstreamResponseBytes"/>: 1 GiB.</summary>
        public const long MaxBodyBytesLimit = 1L << 30;

        /// <summary>Largest value of <see cref="MaxAttempts"/> (a router ranks at most 64 models).</summary>
        public const int MaxAttemptsLimit = 64;

        /// <summary>Largest timeout in seconds: one day.</summary>
        public const double MaxTimeoutSeconds = 86_400;

        /// <summary>Path of the router profile (<c>*.router.json</c>), relative to the configuration file.</summary>
        public string? Profile { get; set; }

        /// <summary>Preset used for <c>model: "auto"</c>; maximum quality when absent.</summary>
        public string? DefaultPreset { get; set; }

        /// <summary>
        /// How many nearest clusters blend their statistics for a request that sends no <c>x-routergen-top-clusters</c>
        /// header: 1 to the profile's cluster count (1 is the nearest cluster alone). When absent, the profile's default
        /// applies (1, or a soft-cluster profile's <c>topClusters</c>).
        /// </summary>
        public int? TopClusters { get; set; }

        /// <summary>Addresses to listen on when the command line gives none, e.g. <c>http://127.0.0.1:8080</c>.</summary>
        public string? Urls { get; set; }

        /// <summary>Largest accepted request body in bytes (1 MiB by default); larger requests get 413.</summary>
        public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

        /// <summary>
        /// Largest upstream answer the proxy buffers, in bytes (32 MiB by default): non-streamed answers and error bodies
        /// are read whole before anything is sent, so that a failure can still fall back. A larger answer counts as a
        /// failed attempt (reason <c>response_too_large</c>). Streamed answers are relayed as they arrive and not capped.
        /// </summary>
        public long MaxUpstreamResponseBytes { get; set; } = 32 * 1024 * 1024;

        /// <summary>
        /// Largest expected cost in USD of one routed request. Models whose expected cost for the request's cluster exceeds
        /// it are excluded before routing, so no prompt can push a request onto a model past the budget. Clients may lower
        /// it per request with the <c>x-routergen-max-cost-usd</c> header, never raise it.
        /// </summary>
        public double? MaxCostPerRequestUsd { get; set; }

        /// <summary>Most upstream calls per request, the first included (fallback on 5xx, 429, timeouts, connection errors).</summary>
        public int MaxAttempts { get; set; } = 3;

        /// <summary>
        /// How long in minutes a conversation keeps its model (60 by default; 0 turns stickiness off): requests with the same
        /// <c>x-routergen-conversation</c> header reuse the model the conversation was first routed to, while it is available.
        /// </summary>
        public double StickyConversationMinutes { get; set; } = 60;

        /// <summary>Default upstream timeout in seconds: the whole response when not streaming, the response headers when streaming.</summary>
        public double UpstreamTimeoutSeconds { get; set; } = 120;

        /// <summary>
        /// Name of an environment variable holding the accepted client API keys, comma-separated. When set, every
        /// <c>/v1/*</c> request needs <c>Authorization: Bearer &lt;key&gt;</c>; <c>/healthz</c>, <c>/health/live</c>, <c>/health/ready</c> and <c>/metrics</c> stay open.
        /// </summary>
        public string? ClientApiKeysEnv { get; set; }

        /// <summary>Upstream models by model id: profile models are routed to, other ids pass through by name.</summary>
        public Dictionary<string, UpstreamConfig> Models { get; set; } = new();

        // The file's "Logging" section, appsettings-style (log levels, Console:FormatterName): accepted here so that the
        // strict reader does not refuse it; the host reads it as configuration.
        [JsonInclude]
        [JsonPropertyName("Logging")]
        internal JsonElement? Logging { get; set; }

        /// <summary>Retries, backoff, circuit breaking and the total timeout of upstream calls (the <c>resilience</c> object).</summary>
        public ResilienceConfig Resilience { get; set; } = new();
    }

    /// <summary>
    /// How the proxy treats failing upstreams (see docs/serving.md, "Resilience"). Each upstream model has its own pipeline
    /// (Microsoft.Extensions.Http.Resilience): retries of the same model first, then its circuit breaker, then the attempt
    /// timeout (<see cref="ProxyConfig.UpstreamTimeoutSeconds"/>); after the retries the request moves to the next-ranked model.
    /// </summary>
    public sealed class ResilienceConfig
    {
        /// <summary>Largest value of <see cref="Retries"/>.</summary>
        public const int MaxRetriesLimit = 10;

        /// <summary>
        /// Retries of the same model after a 5xx, 408, 429 or connection failure, before moving to the next model (2 by
        /// default; 0 disables). A timed-out attempt is not retried: the next model is tried instead.
        /// </summary>
        public int Retries { get; set; } = 2;

        /// <summary>First retry delay in seconds (0.5 by default); it doubles per retry, with jitter.</summary>
        public double RetryBaseDelaySeconds { get; set; } = 0.5;

        /// <summary>
        /// Longest wait before a retry, in seconds (10 by default). An upstream's <c>Retry-After</c> is honoured up to this;
        /// a longer one moves the request to the next model at once instead of sleeping.
        /// </summary>
        public double RetryMaxDelaySeconds { get; set; } = 10;

        /// <summary>Budget in seconds for the whole request: every model, retry and wait (300 by default); then 504.</summary>
        public double TotalTimeoutSeconds { get; set; } = 300;

        /// <summary>Share of failed calls (5xx, 408, 429, timeouts, connection failures) that opens a model's circuit (0.5 by default).</summary>
        public double BreakerFailureRatio { get; set; } = 0.5;

        /// <summary>Fewest calls to a model in the sampling window before its circuit can open (5 by default).</summary>
        public int BreakerMinimumCalls { get; set; } = 5;

        /// <summary>The window in seconds over which the failure ratio is measured (30 by default).</summary>
        public double BreakerSamplingSeconds { get; set; } = 30;

        /// <summary>
        /// How long in seconds an open circuit keeps its model out of every request's ranking (30 by default); then one
        /// request probes it, and its answer closes the circuit or opens it again.
        /// </summary>
        public double BreakerCooldownSeconds { get; set; } = 30;

        /// <summary>
        /// Longest silence in seconds of a streamed answer (60 by default). Before its first byte the request falls back to
        /// the next model; after it, the client's stream ends with an error event.
        /// </summary>
        public double StreamIdleTimeoutSeconds { get; set; } = 60;
    }

    /// <summary>One upstream OpenAI-compatible endpoint serving one model.</summary>
    public sealed class UpstreamConfig
    {
        /// <summary>Base URL up to and including the version segment, e.g. <c>https://api.openai.com/v1</c>.</summary>
        public string? BaseUrl { get; set; }

        /// <summary>The model name the upstream expects; the model id when absent.</summary>
        public string? UpstreamModel { get; set; }

        /// <summary>Name of the environment variable holding the upstream API key; no Authorization header when absent.</summary>
        public string? ApiKeyEnv { get; set; }

        /// <summary>Timeout in seconds for this upstream; the proxy-wide default when absent.</summary>
        public double? TimeoutSeconds { get; set; }

        /// <summary>
        /// List price in USD per million prompt tokens, for the <c>routergen.spend</c> metric; give it together with
        /// <see cref="OutputPricePerMTok"/>. When both are absent, the profile's prices for the model are used, if it has them.
        /// </summary>
        public double? InputPricePerMTok { get; set; }

        /// <summary>List price in USD per million completion tokens (see <see cref="InputPricePerMTok"/>).</summary>
        public double? OutputPricePerMTok { get; set; }
    }

    /// <summary>Source-generated (reflection-free, NativeAOT-safe) serialization of the configuration.</summary>
    [JsonSourceGenerationOptions(
        PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
        ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
    [JsonSerializable(typeof(ProxyConfig))]
    [JsonSerializable(typeof(UpstreamConfig))]
    [JsonSerializable(typeof(ResilienceConfig))]
    internal sealed partial class ProxyConfigJsonContext : JsonSerializerContext
    {
    }
}
