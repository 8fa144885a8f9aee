using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using RouterGen.Embedding;
using RouterGen.Json;
using RouterGen.Routing;

namespace RouterGen.Proxy
{
    /// <summary>
    /// A validated proxy configuration with its secrets resolved from the environment. Errors name the file, the line and
    /// the field; they never contain a secret's value.
    /// </summary>
    public sealed class ProxySettings
    {
        private readonly Dictionary<string, UpstreamModel> _upstreams;
        private IReadOnlyDictionary<string, ModelPrice> _profilePrices = new Dictionary<string, ModelPrice>();

        private ProxySettings(ProxyConfig config, string? profilePath, Dictionary<string, UpstreamModel> upstreams, byte[][] clientKeyHashes)
        {
            Config = config;
            Source = "(proxy configuration)";
            ProfilePath = profilePath;
            _upstreams = upstreams;
            ClientKeyHashes = clientKeyHashes;
        }

        /// <summary>
        /// Prefix of the environment variables that override the configuration file, with <c>__</c> between levels:
        /// <c>ROUTERGEN__maxAttempts=5</c>, <c>ROUTERGEN__models__gpt-4o__baseUrl=http://127.0.0.1:8000/v1</c>.
        /// </summary>
        public const string EnvironmentPrefix = "ROUTERGEN__";

        /// <summary>The configuration as read, with any overrides applied.</summary>
        public ProxyConfig Config { get; }

        /// <summary>Where the configuration came from: the file's path, or "(proxy configuration)" for one built in code.</summary>
        public string Source { get; private init; }

        // The file's "Logging" section as configuration keys (Logging:LogLevel:Default, Logging:Console:FormatterName, ...).
        internal IReadOnlyList<KeyValuePair<string, string?>> LoggingSettings { get; private init; } = [];

        /// <summary>Absolute path of the router profile, or null when the router is supplied in code.</summary>
        public string? ProfilePath { get; }

        /// <summary>Upstreams by model id.</summary>
        public IReadOnlyDictionary<string, UpstreamModel> Upstreams => _upstreams;

        /// <summary>True when clients must present an API key.</summary>
        public bool RequiresClientKey => ClientKeyHashes.Length > 0;

        /// <summary>How many client keys are accepted.</summary>
        public int ClientKeyCount => ClientKeyHashes.Length;

        // SHA-256 of each accepted key: comparing fixed-length digests in constant time hides the keys' lengths too.
        internal byte[][] ClientKeyHashes { get; }

        /// <summary>Reads, validates and resolves a configuration file.</summary>
        /// <param name="path">The JSON file.</param>
        /// <param name="environment">Reads environment variables; <see cref="Environment.GetEnvironmentVariable(string)"/> when null.</param>
        /// <exception cref="ProxyConfigException">The file is missing, malformed or invalid.</exception>
        public static ProxySettings Load(string path, Func<string, string?>? environment = null) => Load(path, overrides: null, environment);

        /// <summary>
        /// Reads a configuration file, applies <paramref name="overrides"/> over it (for <c>routergen serve</c>: the
        /// <see cref="EnvironmentPrefix"/> environment variables, then command-line flags, see <see cref="Overrides"/>),
        /// then validates and resolves the result. Errors about an overridden setting name the variable or flag instead
        /// of the file's line.
        /// </summary>
        /// <param name="path">The JSON file.</param>
        /// <param name="overrides">Settings that win over the file, keyed like the file (<c>maxAttempts</c>, <c>models:gpt-4o:baseUrl</c>); a relative <c>profile</c> here is relative to the current directory.</param>
        /// <param name="environment">Reads the environment variables that hold keys; <see cref="Environment.GetEnvironmentVariable(string)"/> when null.</param>
        /// <exception cref="ProxyConfigException">The file is missing, malformed or invalid, or an override is not a setting or not a valid value.</exception>
        public static ProxySettings Load(string path, IConfiguration? overrides, Func<string, string?>? environment = null)
        {
            ArgumentNullException.ThrowIfNull(path);
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ProxyConfigException($"{path}: cannot read the proxy configuration: {e.Message}");
            }

            // Strings the deserializer would fail on (or accept) only as they are bound, and duplicate keys, are refused
            // here with the key's line and path; the deserializer refuses duplicates as well.
            if (bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                bytes = bytes[3..];
            }

            if (StrictJson.Check(bytes, 1, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) is { } problem)
            {
                throw new ProxyConfigException($"{path}:{problem.Line}: {problem.Field ?? "$"}: {problem.Problem}");
            }

            ProxyConfig? config;
            try
            {
                config = JsonSerializer.Deserialize(bytes, ProxyConfigJsonContext.Default.ProxyConfig);
            }
            catch (JsonException e)
            {
                string line = e.LineNumber is long l ? (l + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";
                throw new ProxyConfigException($"{path}:{line}: {e.Path ?? "$"}: {FirstSentence(e.Message)}");
            }

            if (config is null)
            {
                throw new ProxyConfigException($"{path}:1: $: the configuration must be a JSON object.");
            }

            string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
            if (overrides is not null)
            {
                ApplyOverrides(config, overrides);
            }

            ProxySettings settings = Validate(config, path, directory, JsonLineMap.Build(bytes), environment, overrides);
            return new ProxySettings(settings.Config, settings.ProfilePath, settings._upstreams, settings.ClientKeyHashes)
            {
                Source = path,
                LoggingSettings = LoggingSection(bytes),
            };
        }

        /// <summary>
        /// The overrides <c>routergen serve</c> applies over its file: the <see cref="EnvironmentPrefix"/> environment
        /// variables, then <paramref name="commandLine"/> (flags, winning last).
        /// </summary>
        public static IConfigurationRoot Overrides(IEnumerable<KeyValuePair<string, string?>>? commandLine = null) =>
            new ConfigurationBuilder()
                .AddEnvironmentVariables(EnvironmentPrefix)
                .AddInMemoryCollection(commandLine ?? [])
                .Build();

        // Unknown names are refused, as in the file, with the variable or flag that gave them; values are bound by the
        // configuration binder's source generator (no reflection, NativeAOT-safe).
        private static void ApplyOverrides(ProxyConfig config, IConfiguration overrides)
        {
            foreach (IConfigurationSection setting in overrides.GetChildren())
            {
                if (setting.Key.Equals("Logging", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (!IsProperty(ProxyConfigJsonContext.Default.ProxyConfig, setting.Key))
                {
                    throw new ProxyConfigException($"{OriginOf(overrides, setting.Path)}: '{setting.Key}' is not a proxy setting; see docs/serving.md.");
                }

                if (setting.Key.Equals("resilience", StringComparison.OrdinalIgnoreCase))
                {
                    foreach (IConfigurationSection field in setting.GetChildren())
                    {
                        if (!IsProperty(ProxyConfigJsonContext.Default.ResilienceConfig, field.Key))
                        {
                            throw new ProxyConfigException($"{OriginOf(overrides, field.Path)}: '{field.Key}' is not a resilience setting; see docs/serving.md.");
                        }
                    }
                }

                if (setting.Key.Equals("models", StringComparison.OrdinalIgnoreCase))
                {
                    foreach (IConfigurationSection field in setting.GetChildren().SelectMany(model => model.GetChildren()))
                    {
                        if (!IsProperty(ProxyConfigJsonContext.Default.UpstreamConfig, field.Key))
                        {
                            throw new ProxyConfigException($"{OriginOf(overrides, field.Path)}: '{field.Key}' is not a setting of an upstream model; see docs/serving.md.");
                        }
                    }
                }
            }

            try
            {
                overrides.Bind(config);
            }
            catch (InvalidOperationException e)
            {
                // The binder names the key: "Failed to convert configuration value 'many' at 'maxAttempts' to type ...".
                int at = e.Message.IndexOf(" at '", StringComparison.Ordinal);
                int end = at < 0 ? -1 : e.Message.IndexOf('\'', at + 5);
                string where = end < 0 ? "configuration override" : OriginOf(overrides, e.Message[(at + 5)..end]);
                throw new ProxyConfigException($"{where}: {e.Message}", e);
            }

            // A profile given on the command line or in the environment is relative to where the command runs.
            if (overrides["profile"] is { Length: > 0 } profile)
            {
                config.Profile = Path.GetFullPath(profile);
            }
        }

        private static bool IsProperty(JsonTypeInfo type, string name) =>
            type.Properties.Any(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

        // The environment variable or flag that set a configuration key (the last provider that has it wins).
        private static string OriginOf(IConfiguration overrides, string key)
        {
            // As the user spelled it (the binder reports property names, which differ in case).
            key = overrides.AsEnumerable().FirstOrDefault(pair => pair.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).Key ?? key;
            if (overrides is IConfigurationRoot root)
            {
                foreach (IConfigurationProvider provider in root.Providers.Reverse())
                {
                    if (provider.TryGet(key, out _))
                    {
                        return provider is EnvironmentVariablesConfigurationProvider
                            ? "environment variable " + EnvironmentPrefix + key.Replace(":", "__", StringComparison.Ordinal)
                            : "command line (" + key + ")";
                    }
                }
            }

            return "configuration override " + key;
        }

        // "models.gpt-4.1.baseUrl" -> "models:gpt-4.1:baseUrl": model ids may contain dots, setting names do not.
        private static string ConfigurationKey(string field)
        {
            if (field.StartsWith("resilience.", StringComparison.Ordinal))
            {
                return "resilience:" + field["resilience.".Length..];
            }

            if (!field.StartsWith("models.", StringComparison.Ordinal))
            {
                return field;
            }

            int last = field.LastIndexOf('.');
            string tail = field[(last + 1)..];
            return last > "models".Length && IsProperty(ProxyConfigJsonContext.Default.UpstreamConfig, tail)
                ? "models:" + field["models.".Length..last] + ":" + tail
                : "models:" + field["models.".Length..];
        }

        private static IReadOnlyList<KeyValuePair<string, string?>> LoggingSection(byte[] json)
        {
            IConfigurationRoot file = new ConfigurationBuilder().AddJsonStream(new MemoryStream(json)).Build();
            return file.GetSection("Logging").AsEnumerable().Where(pair => pair.Value is not null).ToList();
        }

        /// <summary>Validates a configuration built in code; relative paths resolve against <paramref name="baseDirectory"/>.</summary>
        /// <exception cref="ProxyConfigException">The configuration is invalid.</exception>
        public static ProxySettings FromConfig(ProxyConfig config, string baseDirectory, Func<string, string?>? environment = null)
        {
            ArgumentNullException.ThrowIfNull(config);
            ArgumentNullException.ThrowIfNull(baseDirectory);
            return Validate(config, "(proxy configuration)", baseDirectory, new Dictionary<string, int>(), environment, overrides: null);
        }

        /// <summary>Loads the profile named by the configuration into a prompt router with its built-in embedder.</summary>
        /// <exception cref="ProxyConfigException">The configuration names no profile.</exception>
        public IPromptRouter LoadRouter() => LoadRouter(static _ => null);

        /// <summary>
        /// Loads the profile named by the configuration into a prompt router with the embedder
        /// <paramref name="embedderFor"/> gives for it (null: the profile's built-in one). The profile's list prices, where it
        /// has them, become the prices of the <c>routergen.spend</c> metric for models the configuration gives none.
        /// </summary>
        /// <exception cref="ProxyConfigException">The configuration names no profile.</exception>
        public IPromptRouter LoadRouter(Func<RouterProfile, IEmbedder?> embedderFor)
        {
            ArgumentNullException.ThrowIfNull(embedderFor);
            if (ProfilePath is null)
            {
                throw new ProxyConfigException("The proxy configuration names no \"profile\"; give a profile path or plug in a router in code.");
            }

            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(ProfilePath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ProxyConfigException($"{ProfilePath}: cannot read the profile: {e.Message}");
            }

            // One read for the text and its identity, so the identity shown (readiness, metrics) is of what was loaded.
            RouterProfile profile = RouterProfile.Parse(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetString(bytes).TrimStart('\uFEFF'), ProfilePath);
            IPromptRouter router = profile.CreatePromptRouter(embedderFor(profile));
            var prices = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);
            foreach (Profiles.ModelDefinition model in profile.Definition.Models)
            {
                if (model.InputPricePerMTok is double input && model.OutputPricePerMTok is double output)
                {
                    prices[model.Id] = new ModelPrice(input, output);
                }
            }

            _profilePrices = prices;
            LoadedProfileSha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            return router;
        }

        // SHA-256 (hex) of the profile file last loaded by LoadRouter, or null.
        internal string? LoadedProfileSha256 { get; private set; }

        /// <summary>The list prices of <paramref name="modelId"/>: the configuration's, else the loaded profile's, else null.</summary>
        public ModelPrice? PriceOf(string modelId) =>
            _upstreams.TryGetValue(modelId, out UpstreamModel? upstream) && upstream.Price is { } configured ? configured
            : _profilePrices.TryGetValue(modelId, out ModelPrice? fromProfile) ? fromProfile
            : null;

        internal bool TryGetUpstream(string modelId, out UpstreamModel upstream) => _upstreams.TryGetValue(modelId, out upstream!);

        private static ProxySettings Validate(ProxyConfig config, string source, string directory, Dictionary<string, int> lines, Func<string, string?>? environment, IConfiguration? overrides)
        {
            environment ??= Environment.GetEnvironmentVariable;
            string At(string field) => overrides?[ConfigurationKey(field)] is not null
                ? $"{OriginOf(overrides, ConfigurationKey(field))}: {field}"
                : $"{source}:{(lines.TryGetValue(field, out int line) ? line.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?")}: {field}";

            // Every numeric setting has a range: values past it would overflow a buffer size or a timer at the first
            // request instead of failing here, where the message can name the field.
            if (config.MaxRequestBodyBytes is < 1024 or > ProxyConfig.MaxBodyBytesLimit)
            {
                throw new ProxyConfigException($"{At("maxRequestBodyBytes")}: must be from 1024 to {ProxyConfig.MaxBodyBytesLimit} (1 GiB), not {config.MaxRequestBodyBytes}.");
            }

            if (config.MaxUpstreamResponseBytes is < 1024 or > ProxyConfig.MaxBodyBytesLimit)
            {
                throw new ProxyConfigException($"{At("maxUpstreamResponseBytes")}: must be from 1024 to {ProxyConfig.MaxBodyBytesLimit} (1 GiB), not {config.MaxUpstreamResponseBytes}.");
            }

            if (config.MaxAttempts is < 1 or > ProxyConfig.MaxAttemptsLimit)
            {
                throw new ProxyConfigException($"{At("maxAttempts")}: must be from 1 to {ProxyConfig.MaxAttemptsLimit}, not {config.MaxAttempts}.");
            }

            CheckTimeout(config.UpstreamTimeoutSeconds, At("upstreamTimeoutSeconds"));
            if (config.MaxCostPerRequestUsd is double cap && !(cap > 0 && double.IsFinite(cap)))
            {
                throw new ProxyConfigException($"{At("maxCostPerRequestUsd")}: must be a positive finite number of USD.");
            }

            if (!(config.StickyConversationMinutes >= 0 && config.StickyConversationMinutes <= 24 * 60))
            {
                throw new ProxyConfigException($"{At("stickyConversationMinutes")}: must be from 0 (off) to 1440 minutes (one day), not {config.StickyConversationMinutes.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}.");
            }

            CheckResilience(config.Resilience ?? throw new ProxyConfigException($"{At("resilience")}: must be an object."), At);
            if (config.Urls is { } urls)
            {
                try
                {
                    RoutingProxy.ParseListenUrls(urls);
                }
                catch (ProxyConfigException e)
                {
                    throw new ProxyConfigException($"{At("urls")}: {e.Message}", e);
                }
            }

            if (config.Models.Count == 0)
            {
                throw new ProxyConfigException($"{At("models")}: at least one upstream model is required.");
            }

            var upstreams = new Dictionary<string, UpstreamModel>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, UpstreamConfig> entry in config.Models)
            {
                string field = "models." + entry.Key;
                if (entry.Key.Length == 0 || entry.Key == "auto" || entry.Key.StartsWith("auto:", StringComparison.Ordinal))
                {
                    throw new ProxyConfigException($"{At(field)}: '{entry.Key}' is reserved for routing and cannot name an upstream model.");
                }

                UpstreamConfig upstream = entry.Value ?? throw new ProxyConfigException($"{At(field)}: must be an object.");
                if (!Uri.TryCreate(upstream.BaseUrl, UriKind.Absolute, out Uri? baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
                {
                    throw new ProxyConfigException($"{At(field + ".baseUrl")}: must be an absolute http(s) URL such as https://api.openai.com/v1.");
                }

                string? apiKey = null;
                if (upstream.ApiKeyEnv is { } keyVariable)
                {
                    apiKey = environment(keyVariable);
                    if (string.IsNullOrEmpty(apiKey))
                    {
                        throw new ProxyConfigException($"{At(field + ".apiKeyEnv")}: environment variable '{keyVariable}' is not set.");
                    }
                }

                double timeout = upstream.TimeoutSeconds ?? config.UpstreamTimeoutSeconds;
                CheckTimeout(timeout, At(field + ".timeoutSeconds"));
                if (baseUrl.Fragment.Length > 0)
                {
                    throw new ProxyConfigException($"{At(field + ".baseUrl")}: must not have a #fragment.");
                }

                ModelPrice? price = null;
                if (upstream.InputPricePerMTok is not null || upstream.OutputPricePerMTok is not null)
                {
                    if (upstream.InputPricePerMTok is not double input || upstream.OutputPricePerMTok is not double output)
                    {
                        throw new ProxyConfigException($"{At(field + (upstream.InputPricePerMTok is null ? ".inputPricePerMTok" : ".outputPricePerMTok"))}: give both inputPricePerMTok and outputPricePerMTok, or neither.");
                    }

                    CheckPrice(input, At(field + ".inputPricePerMTok"));
                    CheckPrice(output, At(field + ".outputPricePerMTok"));
                    price = new ModelPrice(input, output);
                }

                upstreams[entry.Key] = new UpstreamModel(entry.Key, ChatCompletionsUrl(baseUrl), upstream.UpstreamModel ?? entry.Key, apiKey, TimeSpan.FromSeconds(timeout)) { Price = price };
            }

            var keyHashes = new List<byte[]>();
            if (config.ClientApiKeysEnv is { } clientVariable)
            {
                string? keys = environment(clientVariable);
                if (string.IsNullOrWhiteSpace(keys))
                {
                    throw new ProxyConfigException($"{At("clientApiKeysEnv")}: environment variable '{clientVariable}' is not set; it must hold the accepted client keys, comma-separated.");
                }

                foreach (string key in keys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    keyHashes.Add(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
                }

                // Only separators (" , ") would otherwise mean no key is accepted and, silently, none is required.
                if (keyHashes.Count == 0)
                {
                    throw new ProxyConfigException($"{At("clientApiKeysEnv")}: environment variable '{clientVariable}' holds no key, only separators; give the accepted client keys comma-separated, or remove clientApiKeysEnv to serve without client authentication.");
                }
            }

            string? profile = config.Profile is null ? null : Path.GetFullPath(Path.Combine(directory, config.Profile));
            return new ProxySettings(config, profile, upstreams, keyHashes.ToArray());
        }

        /// <summary>
        /// The chat completions URL under <paramref name="baseUrl"/>: the path gets <c>/chat/completions</c> and the query
        /// (Azure OpenAI's <c>?api-version=…</c>) is kept after it.
        /// </summary>
        internal static Uri ChatCompletionsUrl(Uri baseUrl)
        {
            ArgumentNullException.ThrowIfNull(baseUrl);
            return new Uri(baseUrl.GetLeftPart(UriPartial.Authority) + baseUrl.AbsolutePath.TrimEnd('/') + "/chat/completions" + baseUrl.Query);
        }

        private static void CheckPrice(double usdPerMTok, string at)
        {
            if (!(usdPerMTok >= 0 && double.IsFinite(usdPerMTok)))
            {
                throw new ProxyConfigException($"{at}: must be a finite number of USD per million tokens, 0 or more.");
            }
        }

        private static void CheckResilience(ResilienceConfig resilience, Func<string, string> at)
        {
            if (resilience.Retries is < 0 or > ResilienceConfig.MaxRetriesLimit)
            {
                throw new ProxyConfigException($"{at("resilience.retries")}: must be from 0 to {ResilienceConfig.MaxRetriesLimit}, not {resilience.Retries}.");
            }

            CheckTimeout(resilience.RetryBaseDelaySeconds, at("resilience.retryBaseDelaySeconds"));
            CheckTimeout(resilience.RetryMaxDelaySeconds, at("resilience.retryMaxDelaySeconds"));
            CheckTimeout(resilience.TotalTimeoutSeconds, at("resilience.totalTimeoutSeconds"));
            CheckTimeout(resilience.StreamIdleTimeoutSeconds, at("resilience.streamIdleTimeoutSeconds"));
            if (!(resilience.BreakerFailureRatio > 0 && resilience.BreakerFailureRatio <= 1))
            {
                throw new ProxyConfigException($"{at("resilience.breakerFailureRatio")}: must be above 0 and at most 1, not {resilience.BreakerFailureRatio.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}.");
            }

            if (resilience.BreakerMinimumCalls is < 2 or > 10_000)
            {
                throw new ProxyConfigException($"{at("resilience.breakerMinimumCalls")}: must be from 2 to 10000, not {resilience.BreakerMinimumCalls}.");
            }

            // Polly's lower bound for the window and the break.
            CheckBreakerSeconds(resilience.BreakerSamplingSeconds, at("resilience.breakerSamplingSeconds"));
            CheckBreakerSeconds(resilience.BreakerCooldownSeconds, at("resilience.breakerCooldownSeconds"));
        }

        private static void CheckBreakerSeconds(double seconds, string at)
        {
            if (!(seconds >= 0.5 && seconds <= ProxyConfig.MaxTimeoutSeconds))
            {
                throw new ProxyConfigException($"{at}: must be from 0.5 to {ProxyConfig.MaxTimeoutSeconds} seconds, not {seconds.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}.");
            }
        }

        private static void CheckTimeout(double seconds, string at)
        {
            if (!(seconds > 0 && seconds <= ProxyConfig.MaxTimeoutSeconds))
            {
                throw new ProxyConfigException($"{at}: must be a number of seconds above 0 and at most {ProxyConfig.MaxTimeoutSeconds} (one day), not {seconds.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}.");
            }
        }

        // System.Text.Json appends "Path: ... | LineNumber: ..." which the message already says in front.
        private static string FirstSentence(string message)
        {
            int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
            return cut > 0 ? message[..cut] : message;
        }
    }

    /// <summary>One upstream model, resolved: endpoint, upstream model name, key and timeout.</summary>
    public sealed class UpstreamModel
    {
        internal UpstreamModel(string modelId, Uri endpoint, string upstreamModel, string? apiKey, TimeSpan timeout)
        {
            ModelId = modelId;
            Endpoint = endpoint;
            UpstreamModelName = upstreamModel;
            ApiKey = apiKey;
            Timeout = timeout;
        }

        /// <summary>The model id clients and the router use.</summary>
        public string ModelId { get; }

        /// <summary>The upstream's chat completions URL.</summary>
        public Uri Endpoint { get; }

        /// <summary>The model name sent upstream.</summary>
        public string UpstreamModelName { get; }

        /// <summary>Per-attempt timeout.</summary>
        public TimeSpan Timeout { get; }

        /// <summary>The list prices configured for this model, or null.</summary>
        public ModelPrice? Price { get; internal init; }

        /// <summary>True when calls carry an API key (its value is never exposed).</summary>
        public bool HasApiKey => ApiKey is not null;

        // Never logged, never echoed, never part of ToString.
        internal string? ApiKey { get; }

        /// <inheritdoc />
        public override string ToString() => $"{ModelId} -> {UpstreamModelName} at {Endpoint}";
    }

    /// <summary>A model's list prices in USD per million tokens.</summary>
    /// <param name="InputPerMTok">Per million prompt tokens.</param>
    /// <param name="OutputPerMTok">Per million completion tokens.</param>
    public sealed record ModelPrice(double InputPerMTok, double OutputPerMTok)
    {
        /// <summary>The cost in USD of one answer's tokens.</summary>
        public double SpendUsd(long promptTokens, long completionTokens) => ((promptTokens * InputPerMTok) + (completionTokens * OutputPerMTok)) / 1e6;
    }

    /// <summary>The proxy configuration is invalid; the message names the file, line and field.</summary>
    public sealed class ProxyConfigException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public ProxyConfigException(string message)
            : base(message)
        {
        }

        /// <summary>Creates the exception.</summary>
        public ProxyConfigException()
        {
        }

        /// <summary>Creates the exception.</summary>
        public ProxyConfigException(string message, Exception innerException)
            : base(message, innerException)
        {
        }
    }

    /// <summary>Maps each property's dotted path (e.g. <c>models.cheap.baseUrl</c>) to its 1-based line, for error messages.</summary>
    internal static class JsonLineMap
    {
        public static Dictionary<string, int> Build(byte[] json)
        {
            var lines = new Dictionary<string, int>(StringComparer.Ordinal);
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var path = new List<string>();
            string? pending = null;
            int line = 1;
            long counted = 0;
            try
            {
                while (reader.Read())
                {
                    for (; counted < reader.TokenStartIndex; counted++)
                    {
                        if (json[counted] == (byte)'\n')
                        {
                            line++;
                        }
                    }

                    switch (reader.TokenType)
                    {
                        case JsonTokenType.PropertyName:
                            pending = reader.GetString();
                            string full = path.Count == 0 ? pending! : string.Join('.', path) + "." + pending;
                            lines.TryAdd(full, line);
                            break;
                        case JsonTokenType.StartObject:
                        case JsonTokenType.StartArray:
                            if (pending is not null)
                            {
                                path.Add(pending);
                            }
                            else if (reader.CurrentDepth > 0)
                            {
                                path.Add("[]");
                            }

                            pending = null;
                            break;
                        case JsonTokenType.EndObject:
                        case JsonTokenType.EndArray:
                            if (path.Count > 0 && reader.CurrentDepth > 0)
                            {
                                path.RemoveAt(path.Count - 1);
                            }

                            break;
                        default:
                            pending = null;
                            break;
                    }
                }
            }
            catch (JsonException)
            {
                // Already deserialized successfully, so this cannot happen; lines are a courtesy either way.
            }

            return lines;
        }
    }
}
