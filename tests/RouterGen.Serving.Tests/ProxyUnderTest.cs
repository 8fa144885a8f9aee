using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using RouterGen.Proxy;
using RouterGen.Routing;

namespace RouterGen.Serving.Tests
{
    /// <summary>
    /// The proxy running for real on loopback (Kestrel, random port) in front of a <see cref="FakeOpenAIUpstream"/>, with
    /// the serving test profile. Profile models map to upstream names "&lt;id&gt;-v1" with per-model keys; "other" is a
    /// pass-through model that is not in the profile.
    /// </summary>
    public sealed class ProxyUnderTest : IAsyncDisposable
    {
        public const string ClientKey = "client-key-0123456789";

        private readonly WebApplication _app;
        private readonly string _directory;

        private ProxyUnderTest(WebApplication app, FakeOpenAIUpstream upstream, string directory, ConcurrentQueue<string> log)
        {
            Log = log;
            _app = app;
            Upstream = upstream;
            _directory = directory;
            BaseUrl = new Uri(app.Urls.First());
            Http = new HttpClient { BaseAddress = BaseUrl };
        }

        public FakeOpenAIUpstream Upstream { get; }

        /// <summary>The proxy host's services (its meter factory, to capture this proxy's meters only).</summary>
        public IServiceProvider Services => _app.Services;

        public Uri BaseUrl { get; }

        /// <summary>A client without credentials; add them per request.</summary>
        public HttpClient Http { get; }

        public static string UpstreamKeyOf(string model) => "upstream-secret-" + model;

        /// <summary>Every log entry the proxy wrote, formatted, with its exception's text when it has one.</summary>
        public ConcurrentQueue<string> Log { get; }

        /// <summary>The folder holding the profile (and anything a test writes).</summary>
        public string Directory => _directory;

        /// <summary>The profile file the proxy loaded (and, with hot reload, watches).</summary>
        public string ProfilePath => Path.Combine(_directory, "serving-test.router.json");

        /// <param name="configure">Changes to the configuration. Retries of the same model are off unless a test turns them on,
        /// so that upstream call counts show fallback alone.</param>
        /// <param name="requireClientKey">Clients must present <see cref="ClientKey"/>.</param>
        /// <param name="wrapRouter">Wraps the loaded router.</param>
        /// <param name="hotReload">Watch the profile and reload it.</param>
        /// <param name="time">The clock of retries, breakers and timeouts (a FakeTimeProvider to step through them).</param>
        /// <param name="profile">Changes to the serving test profile before it is saved.</param>
        /// <param name="stickinessCache">Where conversation routes are remembered; in process when null.</param>
        public static async Task<ProxyUnderTest> StartAsync(
            Action<ProxyConfig>? configure = null, bool requireClientKey = false, Func<IPromptRouter, IPromptRouter>? wrapRouter = null, bool hotReload = false, TimeProvider? time = null,
            Action<RouterGen.Profiles.ProfileDefinition>? profile = null, Microsoft.Extensions.Caching.Hybrid.HybridCache? stickinessCache = null)
        {
            FakeOpenAIUpstream upstream = await FakeOpenAIUpstream.StartAsync();
            string directory = Path.Combine(Path.GetTempPath(), "routergen-serving-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(directory);
            ServingProfile.Save(directory, profile);
            var config = new ProxyConfig
            {
                Profile = "serving-test.router.json",
                UpstreamTimeoutSeconds = 10,
                Models = new Dictionary<string, UpstreamConfig>
                {
                    ["cheap"] = new() { BaseUrl = upstream.BaseUrl.ToString(), UpstreamModel = "cheap-v1", ApiKeyEnv = "KEY_CHEAP" },
                    ["mid"] = new() { BaseUrl = upstream.BaseUrl.ToString(), UpstreamModel = "mid-v1", ApiKeyEnv = "KEY_MID" },
                    ["premium"] = new() { BaseUrl = upstream.BaseUrl.ToString(), UpstreamModel = "premium-v1", ApiKeyEnv = "KEY_PREMIUM" },
                    ["other"] = new() { BaseUrl = upstream.BaseUrl.ToString(), UpstreamModel = "other-v7" },
                },
                ClientApiKeysEnv = requireClientKey ? "CLIENT_KEYS" : null,
                Resilience = new ResilienceConfig { Retries = 0 },
            };
            configure?.Invoke(config);
            var environment = new Dictionary<string, string>
            {
                ["KEY_CHEAP"] = UpstreamKeyOf("cheap"),
                ["KEY_MID"] = UpstreamKeyOf("mid"),
                ["KEY_PREMIUM"] = UpstreamKeyOf("premium"),
                ["CLIENT_KEYS"] = "another-key, " + ClientKey,
            };
            ProxySettings settings = ProxySettings.FromConfig(config, directory, name => environment.GetValueOrDefault(name));
            var log = new ConcurrentQueue<string>();
            IPromptRouter router = settings.LoadRouter();
            WebApplication app = RoutingProxy.Create(settings, wrapRouter?.Invoke(router) ?? router, new RoutingProxyOptions
            {
                Urls = "http://127.0.0.1:0",
                ReloadRouter = hotReload ? settings.LoadRouter : null,
                TimeProvider = time,
                StickinessCache = stickinessCache,
                ConfigureLogging = logging =>
                {
                    logging.ClearProviders();
                    logging.AddProvider(new CapturingLoggerProvider(log));
                },
            });
            await app.StartAsync();
            return new ProxyUnderTest(app, upstream, directory, log);
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
            await Upstream.DisposeAsync();
            System.IO.Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Collects log entries in memory, so tests can check what the proxy logs (and that it logs no stack traces).</summary>
    internal sealed class CapturingLoggerProvider(ConcurrentQueue<string> entries) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(entries, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> entries, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
        }
    }
}
