using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using RouterGen.Extensions.AI;
using RouterGen.Routing;
using RouterGen.Serving;

namespace RouterGen.Proxy
{
    /// <summary>How to host the proxy, beyond its configuration file.</summary>
    public sealed class RoutingProxyOptions
    {
        /// <summary>Addresses to listen on (e.g. <c>http://127.0.0.1:0</c> for any free port); the configuration's <c>urls</c>, else http://127.0.0.1:8080, when null.</summary>
        public string? Urls { get; set; }

        /// <summary>Adjusts logging (the slim builder logs to the console by default).</summary>
        public Action<ILoggingBuilder>? ConfigureLogging { get; set; }

        /// <summary>Handler for upstream calls; a pooled <see cref="SocketsHttpHandler"/> per upstream when null.</summary>
        public HttpMessageHandler? UpstreamHandler { get; set; }

        /// <summary>
        /// Hot reload: when set, the configuration's profile file is watched and, after it changes, this loads the router
        /// again (typically <c>settings.LoadRouter</c>, as the first one was); a valid result replaces the served router,
        /// an invalid one is logged and the old router keeps serving. Null (the default) serves the given router for the
        /// proxy's lifetime, as for a generated router.
        /// </summary>
        public Func<IPromptRouter>? ReloadRouter { get; set; }

        /// <summary>
        /// The clock of upstream retries, circuit breakers and timeouts; <see cref="TimeProvider.System"/> when null (tests
        /// pass a fake one to step through backoff and cooldowns without waiting).
        /// </summary>
        public TimeProvider? TimeProvider { get; set; }

        /// <summary>
        /// Where conversation routes are remembered (<c>x-routergen-conversation</c>): a <see cref="HybridCache"/> whose
        /// distributed level (Redis, SQL Server) the proxy's instances share, entries living <c>stickyConversationMinutes</c>.
        /// When null, this process remembers the <see cref="RoutingProxy.InProcessStickyConversations"/> most recent ones.
        /// </summary>
        public HybridCache? StickinessCache { get; set; }
    }

    /// <summary>
    /// Builds the OpenAI-compatible routing proxy: <c>POST /v1/chat/completions</c> (model <c>auto</c> or
    /// <c>auto:&lt;preset&gt;</c> is routed; other names pass through to their upstream), <c>GET /v1/models</c> and
    /// <c>GET /v1/models/{id}</c>,
    /// <c>GET /healthz</c>, <c>GET /health/live</c>, <c>GET /health/ready</c> and <c>GET /metrics</c> (OpenTelemetry's Prometheus exporter). Built on <see cref="WebApplication.CreateSlimBuilder()"/> with request
    /// delegates and hand-written JSON only, so it publishes with NativeAOT without warnings.
    /// </summary>
    public static class RoutingProxy
    {
        /// <summary>The default listen address.</summary>
        public const string DefaultUrls = "http://127.0.0.1:8080";

        /// <summary>Conversations remembered in process when no <see cref="RoutingProxyOptions.StickinessCache"/> is given.</summary>
        public const int InProcessStickyConversations = 10_000;

        /// <summary>Creates the proxy application; start it with <c>StartAsync</c> or <c>RunAsync</c>.</summary>
        /// <param name="settings">Validated configuration.</param>
        /// <param name="router">The router: <see cref="ProxySettings.LoadRouter()"/> for the configured profile, or a generated router's <c>CreatePromptRouter()</c>.</param>
        /// <param name="options">Hosting options.</param>
        /// <exception cref="ProxyConfigException">No model of the router has an upstream.</exception>
        public static WebApplication Create(ProxySettings settings, IPromptRouter router, RoutingProxyOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(settings);
            ArgumentNullException.ThrowIfNull(router);
            options ??= new RoutingProxyOptions();
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "RouterGen.Proxy" });
            builder.WebHost.UseUrls(ParseListenUrls(options.Urls ?? settings.Config.Urls ?? DefaultUrls));
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;

                // The endpoint enforces the configured limit itself (with an OpenAI-shaped 413); this is the backstop, and
                // the bound up to which an oversized chunked body is drained so that the client can read the 413.
                kestrel.Limits.MaxRequestBodySize = (settings.Config.MaxRequestBodyBytes * 2) + 1;
            });
            ConfigureLogging(builder, settings);
            options.ConfigureLogging?.Invoke(builder.Logging);
            AddMetrics(builder.Services);
            builder.Services.AddSingleton(services => new ProxyMetrics(services.GetRequiredService<IMeterFactory>()));
            UpstreamResilience.Register(builder.Services, settings, options.UpstreamHandler, options.TimeProvider ?? TimeProvider.System);

            // Readiness asks the served router (created after the host is built, when the check first runs).
            ServedRouter? served = null;
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("router", _ => served!, failureStatus: null, tags: [ReadyTag]));

            WebApplication app = builder.Build();
            ProxyMetrics metrics = app.Services.GetRequiredService<ProxyMetrics>();
            ConversationStickiness? stickiness = settings.Config.StickyConversationMinutes <= 0 ? null
                : options.StickinessCache is { } cache ? new HybridCacheStickiness(cache, TimeSpan.FromMinutes(settings.Config.StickyConversationMinutes))
                : new InProcessStickiness(InProcessStickyConversations);
            served = new ServedRouter(settings, router, metrics, app.Services.GetRequiredService<UpstreamResilience>(), stickiness, app.Logger, options.ReloadRouter);
            app.Lifetime.ApplicationStopped.Register(served.Dispose);

            // Unknown paths and wrong methods answer in OpenAI's error shape too, so SDKs report them as usual; only
            // responses that have no body yet are rewritten (an endpoint's own error is kept).
            app.UseStatusCodePages(status => status.HttpContext.Response.StatusCode switch
            {
                StatusCodes.Status404NotFound => OpenAIError.WriteAsync(status.HttpContext, StatusCodes.Status404NotFound, $"Unknown path: {status.HttpContext.Request.Method} {status.HttpContext.Request.Path}. The proxy serves POST /v1/chat/completions, GET /v1/models and GET /v1/models/{{id}}.", "unknown_url"),
                StatusCodes.Status405MethodNotAllowed => OpenAIError.WriteAsync(status.HttpContext, StatusCodes.Status405MethodNotAllowed, $"Method {status.HttpContext.Request.Method} is not allowed on {status.HttpContext.Request.Path}.", "method_not_allowed"),
                _ => Task.CompletedTask,
            });
            // Each request reads the served endpoint once: after a hot reload, requests under way finish on the old router.
            app.MapPost("/v1/chat/completions", context => served.Endpoint.HandleAsync(context));
            app.MapGet("/v1/models", context => served.Endpoint.Authorize(context) ? WriteModelsAsync(context, settings, served.Router) : served.Endpoint.RejectUnauthorizedAsync(context));
            // A plain request delegate (the id read from the route values) keeps the endpoint free of reflection for NativeAOT.
            app.MapGet("/v1/models/{id}", context => !served.Endpoint.Authorize(context) ? served.Endpoint.RejectUnauthorizedAsync(context)
                : context.Request.RouteValues["id"] is string id && ModelIds(settings, served.Router).Contains(id) ? WriteJsonAsync(context, json => WriteModel(json, id))
                : OpenAIError.WriteAsync(context, StatusCodes.Status404NotFound, $"The model '{context.Request.RouteValues["id"]}' does not exist: GET /v1/models lists the models this proxy serves.", "model_not_found", "model"));
            app.MapGet("/healthz", context => WriteJsonAsync(context, json =>
            {
                json.WriteStartObject();
                json.WriteString("status", "ok");
                json.WriteString("router", served.Router.Tables.Name);
                json.WriteEndObject();
            }));

            // Liveness runs no check (the process answers); readiness runs the router check. Both unauthenticated, like /metrics.
            app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync });
            app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = HealthResponse.WriteAsync });
            app.MapPrometheusScrapingEndpoint(MetricsPath);
            return app;
        }

        // Console logs as configured, lowest priority first: quiet framework categories (the proxy logs what matters
        // itself), the configuration file's "Logging" section, then the host's usual sources (environment variables such as
        // Logging__Console__FormatterName=json). The slim builder registers only the simple console formatter, so the
        // console logger is added again with all of them (simple, json, systemd).
        private static void ConfigureLogging(WebApplicationBuilder builder, ProxySettings settings)
        {
            var defaults = new List<KeyValuePair<string, string?>>
            {
                new("Logging:LogLevel:Microsoft.AspNetCore", "Warning"),
                new("Logging:LogLevel:System.Net.Http", "Warning"),

                // Polly logs every handled failure, and a circuit opening, with the exception's stack trace (the last try and
                // the opening as errors); the proxy logs retries, breakers and fallbacks itself, one line each.
                new("Logging:LogLevel:Polly", "None"),
            };
            builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = settings.LoggingSettings });
            builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole();

            // The slim builder's simple-console registration also sets FormatterName = "simple" after the configuration is
            // bound; the configured name must win over it.
            IConfiguration configuration = builder.Configuration;
            builder.Services.PostConfigure<ConsoleLoggerOptions>(console =>
            {
                if (configuration["Logging:Console:FormatterName"] is { Length: > 0 } formatter)
                {
                    console.FormatterName = formatter;
                }
            });
        }

        /// <summary>Liveness: 200 <c>Healthy</c> while the process serves HTTP.</summary>
        public const string LivePath = "/health/live";

        /// <summary>Readiness: 200 when a router is loaded (<c>Healthy</c>, or <c>Degraded</c> after a failed reload), 503 when not.</summary>
        public const string ReadyPath = "/health/ready";

        private const string ReadyTag = "ready";

        /// <summary>The Prometheus scraping endpoint's path.</summary>
        public const string MetricsPath = "/metrics";

        // OpenTelemetry's meter provider with the Prometheus exporter, over the proxy's two meters, ASP.NET Core's HTTP
        // server metrics and the runtime's (GC, thread pool, CPU; built into .NET, no instrumentation package needed).
        private static void AddMetrics(IServiceCollection services)
        {
            services.AddMetrics();
            services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("routergen-proxy")).WithMetrics(metrics =>
            {
                metrics.AddMeter(RoutingTelemetry.MeterName, ProxyMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime");

                // A meter provider listens to meters by name across the process, so another proxy in the same process (or
                // the chat client's process-wide RoutingMeters.Shared) would add to this proxy's counts. Keep the
                // instruments of this host's meter factory (their meter's scope), and the runtime's, which are one per
                // process anyway.
                ((IDeferredMeterProviderBuilder)metrics).Configure((provider, builder) =>
                {
                    IMeterFactory own = provider.GetRequiredService<IMeterFactory>();
                    builder.AddView(instrument => ReferenceEquals(instrument.Meter.Scope, own) || (instrument.Meter.Scope is null && instrument.Meter.Name == "System.Runtime")
                        ? null
                        : MetricStreamConfiguration.Drop);
                });

                // Scrapes are rare and cheap; a cached answer would show a request that just finished as not yet counted.
                metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
            });
        }

        /// <summary>
        /// Splits a ';'-separated list of listen addresses and checks each is one Kestrel can bind:
        /// <c>http(s)://host:port</c> (host <c>*</c> or <c>+</c> for every interface, port 0 for any free port), no path.
        /// </summary>
        /// <exception cref="ProxyConfigException">An address is not of that form; the message names it.</exception>
        public static string[] ParseListenUrls(string urls)
        {
            ArgumentNullException.ThrowIfNull(urls);
            string[] addresses = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (addresses.Length == 0)
            {
                throw new ProxyConfigException($"listen addresses \"{urls}\": none given; use the form http://127.0.0.1:8080.");
            }

            foreach (string address in addresses)
            {
                BindingAddress parsed;
                try
                {
                    parsed = BindingAddress.Parse(address);
                }
                catch (FormatException e)
                {
                    throw new ProxyConfigException($"listen address \"{address}\": {e.Message} Use the form http://127.0.0.1:8080.", e);
                }

                if (parsed.IsNamedPipe || parsed.IsUnixPipe)
                {
                    continue;
                }

                if (parsed.Scheme is not ("http" or "https") || parsed.Host.Length == 0 || parsed.Port is < 0 or > 65535 || parsed.PathBase.Length > 0
                    || !address.Contains("://", StringComparison.Ordinal))
                {
                    throw new ProxyConfigException($"listen address \"{address}\": expected http(s)://host:port with a port from 0 to 65535 and no path, such as http://127.0.0.1:8080.");
                }
            }

            return addresses;
        }

        // What GET /v1/models lists: the routed names first, then the configured upstream models in ordinal order.
        private static List<string> ModelIds(ProxySettings settings, IPromptRouter router)
        {
            var ids = new List<string> { "auto" };
            foreach (string preset in router.Tables.PresetNames)
            {
                ids.Add("auto:" + preset);
            }

            var configured = new List<string>(settings.Upstreams.Keys);
            configured.Sort(StringComparer.Ordinal);
            ids.AddRange(configured);
            return ids;
        }

        private static void WriteModel(Utf8JsonWriter json, string id)
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("object", "model");
            json.WriteNumber("created", 0);
            json.WriteString("owned_by", "routergen");
            json.WriteEndObject();
        }

        private static Task WriteModelsAsync(HttpContext context, ProxySettings settings, IPromptRouter router) => WriteJsonAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            foreach (string id in ModelIds(settings, router))
            {
                WriteModel(json, id);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });

        private static Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
        {
            var buffer = new ArrayBufferWriter<byte>(512);
            using (var json = new Utf8JsonWriter(buffer))
            {
                write(json);
            }

            context.Response.ContentType = "application/json";
            context.Response.ContentLength = buffer.WrittenCount;
            return context.Response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
        }
    }
}
