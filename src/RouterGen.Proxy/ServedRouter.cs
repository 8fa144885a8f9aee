using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using RouterGen.Embedding;
using RouterGen.Profiles;
using RouterGen.Routing;

using RouterGen.Extensions.AI;

namespace RouterGen.Proxy
{
    /// <summary>
    /// The router the proxy serves now, with the chat completions endpoint built for it, swapped whole when a
    /// runtime-loaded profile changes on disk: a request reads <see cref="Endpoint"/> once and finishes on that router
    /// while later requests take the new one. A profile that fails to load keeps the old router serving; why is logged
    /// (the profile error names file, line and field) and shown by readiness. Also the readiness check.
    /// </summary>
    internal sealed class ServedRouter : IHealthCheck, IDisposable
    {
        // Editors and atomic writers touch a file several times per save (truncate, write, rename); one reload after the
        // burst settles reads the finished file.
        private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);

        private readonly ProxySettings _settings;
        private readonly ProxyMetrics _metrics;
        private readonly UpstreamResilience _upstreams;
        private readonly ConversationStickiness? _stickiness;
        private readonly ILogger _logger;
        private readonly Func<IPromptRouter>? _reload;
        private readonly FileSystemWatcher? _watcher;
        private readonly Timer? _settle;
        private readonly Lock _reloading = new();
        private volatile Loaded _current;
        private volatile string? _lastReloadError;

        public ServedRouter(ProxySettings settings, IPromptRouter router, ProxyMetrics metrics, UpstreamResilience upstreams, ConversationStickiness? stickiness, ILogger logger, Func<IPromptRouter>? reload)
        {
            _settings = settings;
            _metrics = metrics;
            _upstreams = upstreams;
            _stickiness = stickiness;
            _logger = logger;
            _reload = reload;
            _current = new Loaded(new ChatCompletionsEndpoint(settings, router, metrics, upstreams, logger, stickiness), router, settings.LoadedProfileSha256, DateTimeOffset.UtcNow, Generation: 1);
            metrics.ObserveProfile(() => _current.Router.Tables.Name, () => _current.ProfileSha256);
            if (reload is null)
            {
                return;
            }

            string path = settings.ProfilePath ?? throw new ProxyConfigException("Hot reload needs the configuration's \"profile\": the file to watch.");
            _settle = new Timer(_ => TryReload(), null, Timeout.Infinite, Timeout.Infinite);
            _watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            _watcher.Changed += OnProfileTouched;
            _watcher.Created += OnProfileTouched;
            _watcher.Renamed += OnProfileTouched;
            _watcher.EnableRaisingEvents = true;
        }

        /// <summary>The endpoint of the router being served; read it once per request.</summary>
        public ChatCompletionsEndpoint Endpoint => _current.Endpoint;

        /// <summary>The router being served.</summary>
        public IPromptRouter Router => _current.Router;

        /// <summary>
        /// Loads the profile again and serves it if it is valid and servable (some of its models have upstreams, the
        /// default preset exists); otherwise keeps the current router and records why.
        /// </summary>
        public bool TryReload()
        {
            if (_reload is null)
            {
                return false;
            }

            lock (_reloading)
            {
                Loaded previous = _current;
                try
                {
                    IPromptRouter router = _reload();
                    var endpoint = new ChatCompletionsEndpoint(_settings, router, _metrics, _upstreams, _logger, _stickiness);
                    _current = new Loaded(endpoint, router, _settings.LoadedProfileSha256, DateTimeOffset.UtcNow, previous.Generation + 1);
                    _lastReloadError = null;
                    _metrics.ProfileReloaded(succeeded: true);
                    _logger.LogInformation("Profile {Profile} reloaded: router {Router}, sha256 {Sha256}, generation {Generation}.", _settings.ProfilePath, router.Tables.Name, _settings.LoadedProfileSha256, previous.Generation + 1);
                    return true;
                }
                catch (Exception e) when (e is ProfileException or ProxyConfigException or EmbedderMismatchException or InvalidOperationException or IOException or UnauthorizedAccessException)
                {
                    _lastReloadError = e.Message;
                    _metrics.ProfileReloaded(succeeded: false);
                    _logger.LogWarning("Profile {Profile} changed but was not reloaded; router {Router} (generation {Generation}) keeps serving: {Error}", _settings.ProfilePath, previous.Router.Tables.Name, previous.Generation, e.Message);
                    return false;
                }
            }
        }

        /// <summary>Readiness: a router is loaded (with its embedder) and some of its models have an upstream.</summary>
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            Loaded current = _current;
            RouterTables tables = current.Router.Tables;
            int served = 0;
            foreach (string model in tables.ModelIds)
            {
                served += _settings.Upstreams.ContainsKey(model) ? 1 : 0;
            }

            var data = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["router"] = tables.Name,
                ["embedder"] = tables.EmbedderIdentity,
                ["models"] = tables.ModelCount,
                ["modelsWithUpstream"] = served,
                ["upstreamModels"] = _settings.Upstreams.Count,
                ["clusters"] = tables.ClusterCount,
                ["generation"] = current.Generation,
                ["loadedUtc"] = current.LoadedUtc.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["hotReload"] = _reload is not null,
            };
            if (_settings.ProfilePath is { } path)
            {
                data["profile"] = path;
            }

            if (current.ProfileSha256 is { } sha)
            {
                data["profileSha256"] = sha;
            }

            // The old router still serves after a failed reload: ready, but degraded, so the failure is visible.
            if (_lastReloadError is { } error)
            {
                data["lastReloadError"] = error;
                return Task.FromResult(HealthCheckResult.Degraded($"Router {tables.Name} is serving; the last reload of its profile failed.", data: data));
            }

            return Task.FromResult(HealthCheckResult.Healthy($"Router {tables.Name} is loaded; {served} of its {tables.ModelCount} models have an upstream.", data));
        }

        public void Dispose()
        {
            _watcher?.Dispose();
            _settle?.Dispose();
        }

        private void OnProfileTouched(object sender, FileSystemEventArgs e) => _settle?.Change(Settle, Timeout.InfiniteTimeSpan);

        private sealed record Loaded(ChatCompletionsEndpoint Endpoint, IPromptRouter Router, string? ProfileSha256, DateTimeOffset LoadedUtc, int Generation);
    }
}
