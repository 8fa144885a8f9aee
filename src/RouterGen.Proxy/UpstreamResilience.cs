using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace RouterGen.Proxy
{
    /// <summary>
    /// One named <see cref="HttpClient"/> per upstream model from <see cref="IHttpClientFactory"/>, each with its own
    /// Microsoft.Extensions.Http.Resilience pipeline: retries of that model (jittered exponential backoff, the upstream's
    /// <c>Retry-After</c> honoured up to a bound), its circuit breaker, and the attempt timeout. The breakers' state is
    /// kept here so that a request can leave an open model out of its attempts without calling it.
    /// </summary>
    internal sealed class UpstreamResilience
    {
        private const string ClientPrefix = "routergen-upstream:";

        private readonly IHttpClientFactory _clients;
        private readonly Dictionary<string, UpstreamCircuit> _circuits;

        private UpstreamResilience(IHttpClientFactory clients, Dictionary<string, UpstreamCircuit> circuits, TimeProvider time)
        {
            _clients = clients;
            _circuits = circuits;
            Time = time;
        }

        /// <summary>The clock of the retries, breakers and timeouts (a fake one in tests).</summary>
        public TimeProvider Time { get; }

        /// <summary>Registers the upstream clients and this object (resolve it once the services are built).</summary>
        public static void Register(IServiceCollection services, ProxySettings settings, HttpMessageHandler? primaryHandler, TimeProvider time)
        {
            ResilienceConfig resilience = settings.Config.Resilience;
            var circuits = new Dictionary<string, UpstreamCircuit>(StringComparer.Ordinal);
            foreach (UpstreamModel upstream in settings.Upstreams.Values)
            {
                var circuit = new UpstreamCircuit();
                circuits[upstream.ModelId] = circuit;
                IHttpClientBuilder client = services.AddHttpClient(ClientPrefix + upstream.ModelId, http => http.Timeout = Timeout.InfiniteTimeSpan);
                client.ConfigurePrimaryHttpMessageHandler(() => primaryHandler is null
                    ? new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5), UseCookies = false }
                    : new NotDisposing(primaryHandler));
                client.AddResilienceHandler(upstream.ModelId, (pipeline, context) =>
                {
                    pipeline.TimeProvider = time;
                    ILogger logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("RouterGen.Proxy.Upstream");
                    ProxyMetrics metrics = context.ServiceProvider.GetRequiredService<ProxyMetrics>();
                    Configure(pipeline, upstream, resilience, circuit, time, logger, metrics);
                });
            }

            services.AddSingleton(provider => new UpstreamResilience(provider.GetRequiredService<IHttpClientFactory>(), circuits, time));
        }

        /// <summary>The client for <paramref name="modelId"/>'s upstream (cheap: the factory pools the handlers).</summary>
        public HttpClient ClientFor(string modelId) => _clients.CreateClient(ClientPrefix + modelId);

        /// <summary>The circuit of <paramref name="modelId"/>'s upstream.</summary>
        public UpstreamCircuit CircuitOf(string modelId) => _circuits[modelId];

        // Outermost first: retry, then the breaker (so every try counts toward its failure ratio), then the attempt timeout.
        private static void Configure(
            ResiliencePipelineBuilder<HttpResponseMessage> pipeline, UpstreamModel upstream, ResilienceConfig resilience, UpstreamCircuit circuit, TimeProvider time, ILogger logger, ProxyMetrics metrics)
        {
            TimeSpan maxDelay = TimeSpan.FromSeconds(resilience.RetryMaxDelaySeconds);
            if (resilience.Retries > 0)
            {
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = resilience.Retries,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromSeconds(resilience.RetryBaseDelaySeconds),
                    MaxDelay = maxDelay,

                    // The delay is the upstream's Retry-After when it gives one (ShouldHandle has already refused one past
                    // the bound), else the jittered backoff.
                    ShouldRetryAfterHeader = false,
                    ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, maxDelay, time)),
                    DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, time)),
                    OnRetry = args =>
                    {
                        string reason = FailureReason(args.Outcome);
                        metrics.Routing.RecordUpstreamFailure(upstream.ModelId, reason);
                        logger.LogWarning("Upstream {Model} failed ({Reason}); retry {Retry} of {Retries} in {DelayMs} ms.", upstream.ModelId, reason, args.AttemptNumber + 1, resilience.Retries, (long)args.RetryDelay.TotalMilliseconds);
                        return ValueTask.CompletedTask;
                    },
                });
            }

            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = resilience.BreakerFailureRatio,
                MinimumThroughput = resilience.BreakerMinimumCalls,
                SamplingDuration = TimeSpan.FromSeconds(resilience.BreakerSamplingSeconds),
                BreakDuration = TimeSpan.FromSeconds(resilience.BreakerCooldownSeconds),
                OnOpened = args =>
                {
                    circuit.Opened(time.GetUtcNow() + args.BreakDuration);
                    logger.LogWarning("Circuit of upstream {Model} opened after failures: requests skip it for {Seconds} s.", upstream.ModelId, args.BreakDuration.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
                OnHalfOpened = _ =>
                {
                    circuit.Unblock();
                    logger.LogInformation("Circuit of upstream {Model} is half-open: the next call probes it.", upstream.ModelId);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    circuit.Unblock();
                    logger.LogInformation("Circuit of upstream {Model} closed.", upstream.ModelId);
                    return ValueTask.CompletedTask;
                },
            });
            pipeline.AddTimeout(upstream.Timeout);
        }

        // 5xx, 408, 429 and connection failures are retried on the same model; a timeout is not (the next model is tried
        // instead of waiting as long again), nor is a Retry-After longer than the retry bound.
        private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, TimeSpan maxDelay, TimeProvider time) =>
            outcome.Exception is not TimeoutRejectedException && HttpClientResiliencePredicates.IsTransient(outcome) && !(RetryAfter(outcome.Result, time) > maxDelay);

        private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider time) =>
            response?.Headers.RetryAfter is { } retryAfter ? AttemptFailures.DelayOf(retryAfter, time.GetUtcNow()) : null;

        private static string FailureReason(Outcome<HttpResponseMessage> outcome) => outcome switch
        {
            { Result.StatusCode: HttpStatusCode.TooManyRequests } => "status_429",
            { Result: { } response } when (int)response.StatusCode >= 500 => "status_5xx",
            { Result: { } response } => "status_" + ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture),
            { Exception: TimeoutRejectedException } => "timeout",
            _ => "connection",
        };

        // The caller's handler outlives the factory's handler rotation, which disposes what it is given.
        private sealed class NotDisposing(HttpMessageHandler inner) : HttpMessageHandler
        {
            private readonly HttpMessageInvoker _inner = new(inner, disposeHandler: false);

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => _inner.SendAsync(request, cancellationToken);

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _inner.Dispose();
                }

                base.Dispose(disposing);
            }
        }
    }

    /// <summary>
    /// A model's circuit as requests see it: open from Polly's OnOpened until the break ends. Polly only moves an open
    /// circuit to half-open when a call arrives after the break, so a request must call the model again once the break is
    /// over (that call is the probe); while it lasts, requests leave the model out without calling it.
    /// </summary>
    internal sealed class UpstreamCircuit
    {
        private long _blockedUntilUtcTicks;

        /// <summary>True while the circuit is open and its break lasts; <paramref name="remaining"/> is the time left.</summary>
        public bool IsOpen(DateTimeOffset now, out TimeSpan remaining)
        {
            long until = Interlocked.Read(ref _blockedUntilUtcTicks);
            remaining = until == 0 ? TimeSpan.Zero : new DateTimeOffset(until, TimeSpan.Zero) - now;
            return until != 0 && remaining > TimeSpan.Zero;
        }

        internal void Opened(DateTimeOffset until) => Interlocked.Exchange(ref _blockedUntilUtcTicks, until.UtcTicks);

        internal void Unblock() => Interlocked.Exchange(ref _blockedUntilUtcTicks, 0);
    }
}
