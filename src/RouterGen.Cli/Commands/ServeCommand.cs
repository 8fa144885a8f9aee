using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using RouterGen.Embedding;
using RouterGen.Proxy;
using RouterGen.Routing;
using RouterGen.Serving;

namespace RouterGen.Cli.Commands
{
    /// <summary>
    /// <c>routergen serve --config proxy.json [--urls ...] [--profile ...] [--default-preset ...] [--validate]</c>: the
    /// OpenAI-compatible routing proxy. Settings come from the file, then <c>ROUTERGEN__*</c> environment variables, then
    /// the flags, each winning over the one before.
    /// </summary>
    internal static class ServeCommand
    {
        public static Command Create()
        {
            var configOption = new Option<string>("--config") { Description = "The proxy configuration (JSON): profile, upstream models, limits, Logging. See docs/serving.md.", Required = true };
            var urlsOption = new Option<string?>("--urls") { Description = "Addresses to listen on, ';'-separated (default: the configuration's \"urls\", else http://127.0.0.1:8080)." };
            var profileOption = new Option<string?>("--profile") { Description = "The router profile, overriding the configuration's \"profile\" (relative to the current directory)." };
            var presetOption = new Option<string?>("--default-preset") { Description = "The preset for model \"auto\", overriding the configuration's \"defaultPreset\"." };
            var embedderOption = new Option<string?>("--embedder")
            {
                Description = "The profile's embedder, needed only for ONNX profiles: onnx:<dir> (checked against the profile's model hash).",
            };
            var validateOption = new Option<bool>("--validate")
            {
                Description = "Load the configuration, profile and embedder, print what would be served, and exit (0 when valid, 1 with the errors) without listening.",
            };
            var command = new Command("serve", "Run an OpenAI-compatible proxy that routes model \"auto\" / \"auto:<preset>\" requests to upstream models.")
            {
                configOption,
                urlsOption,
                profileOption,
                presetOption,
                embedderOption,
                validateOption,
            };
            CommandAction.Set(command, (parseResult, output) =>
            {
                string configPath = parseResult.GetRequiredValue(configOption);
                if (!File.Exists(configPath))
                {
                    throw new UserInputException($"{configPath}: the proxy configuration file does not exist.");
                }

                string? urls = parseResult.GetValue(urlsOption);
                if (urls is not null)
                {
                    try
                    {
                        RoutingProxy.ParseListenUrls(urls);
                    }
                    catch (ProxyConfigException e)
                    {
                        throw new UserInputException($"--urls: {e.Message}", e);
                    }
                }

                var flags = new List<KeyValuePair<string, string?>>();
                if (parseResult.GetValue(profileOption) is { } profile)
                {
                    flags.Add(new("profile", profile));
                }

                if (parseResult.GetValue(presetOption) is { } preset)
                {
                    flags.Add(new("defaultPreset", preset));
                }

                ProxySettings settings;
                IPromptRouter router;
                System.Func<IPromptRouter> loadRouter;
                try
                {
                    settings = ProxySettings.Load(configPath, ProxySettings.Overrides(flags));
                    string? embedder = parseResult.GetValue(embedderOption);
                    ProxySettings loaded = settings;

                    // A reloaded profile with the same embedder identity reuses the embedder (an ONNX session is costly).
                    IEmbedder? resolved = null;
                    loadRouter = embedder is null
                        ? settings.LoadRouter
                        : () => loaded.LoadRouter(profile => resolved is not null && resolved.Identity == profile.Tables.EmbedderIdentity
                            ? resolved
                            : resolved = RouteCommand.ResolveEmbedder(profile, embedder));
                    router = loadRouter();
                }
                catch (ProxyConfigException e)
                {
                    throw new UserInputException(e.Message, e);
                }

                WebApplication app;
                try
                {
                    app = RoutingProxy.Create(settings, router, new RoutingProxyOptions
                    {
                        Urls = urls,

                        // The profile is runtime-loaded, so a change to its file is served without a restart.
                        ReloadRouter = parseResult.GetValue(validateOption) ? null : loadRouter,

                        // A failed start (a port in use) reaches CommandAction as a one-line user error; the host's own
                        // log entry would repeat it with a stack trace.
                        ConfigureLogging = logging => logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical),
                    });
                }
                catch (ProxyConfigException e)
                {
                    throw new UserInputException($"{configPath}: {e.Message}", e);
                }

                if (parseResult.GetValue(validateOption))
                {
                    // Everything a start checks has been checked (the application is built, not started).
                    ((System.IDisposable)app).Dispose();
                    Describe(output, settings, router, urls);
                    return ExitCodes.Success;
                }

                output.WriteLine($"routergen serve: router {router.Tables.Name} ({router.Tables.ModelCount} models, {router.Tables.ClusterCount} clusters), {settings.Upstreams.Count} upstream models, client keys {(settings.RequiresClientKey ? "required" : "not required")}.");
                output.Flush();
                app.Run();
                return ExitCodes.Success;
            });
            return command;
        }

        // What would be served, for --validate: the router, its presets, where it listens, and every upstream model.
        private static void Describe(TextWriter output, ProxySettings settings, IPromptRouter router, string? urls)
        {
            RouterTables tables = router.Tables;
            string defaultPreset = RoutingRequest.DefaultPreset(tables, settings.Config.DefaultPreset) ?? "max quality";
            output.WriteLine($"routergen serve --validate: {settings.Source} is valid.");
            output.WriteLine($"router: {tables.Name} ({tables.ModelCount} models, {tables.ClusterCount} clusters, embedder {tables.EmbedderIdentity}){(settings.ProfilePath is { } path ? " from " + path : "")}");
            output.WriteLine($"presets: {string.Join(", ", tables.PresetNames)}; model \"auto\" uses {defaultPreset}");
            output.WriteLine($"listen: {urls ?? settings.Config.Urls ?? RoutingProxy.DefaultUrls}");
            output.WriteLine($"client keys: {(settings.RequiresClientKey ? $"required ({settings.ClientKeyCount} from {settings.Config.ClientApiKeysEnv})" : "not required")}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"limits: {settings.Config.MaxAttempts} attempts, request body {settings.Config.MaxRequestBodyBytes} bytes, buffered answer {settings.Config.MaxUpstreamResponseBytes} bytes{(settings.Config.MaxCostPerRequestUsd is double cap ? $", cost cap ${cap}" : "")}"));
            output.WriteLine("models:");
            var ids = new List<string>(settings.Upstreams.Keys);
            ids.Sort(System.StringComparer.Ordinal);
            foreach (string id in ids)
            {
                UpstreamModel upstream = settings.Upstreams[id];
                string role = tables.IndexOfModel(id) >= 0 ? "routed" : "pass-through";
                string price = settings.PriceOf(id) is { } p ? string.Create(CultureInfo.InvariantCulture, $", ${p.InputPerMTok}/${p.OutputPerMTok} per million tokens") : "";
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {id} ({role}): {upstream.UpstreamModelName} at {upstream.Endpoint}, timeout {upstream.Timeout.TotalSeconds} s{(upstream.HasApiKey ? ", key from " + settings.Config.Models[id].ApiKeyEnv : "")}{price}"));
            }

            foreach (string id in tables.ModelIds)
            {
                if (!settings.Upstreams.ContainsKey(id))
                {
                    output.WriteLine($"  {id}: in the profile but has no upstream, so it is never chosen");
                }
            }
        }
    }
}
