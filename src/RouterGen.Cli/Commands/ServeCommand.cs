using System.CommandLine;
using System.IO;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using RouterGen.Proxy;
using RouterGen.Routing;

namespace RouterGen.Cli.Commands
{
    /// <summary><c>routergen serve --config proxy.json [--urls http://127.0.0.1:8080]</c>: the OpenAI-compatible routing proxy.</summary>
    internal static class ServeCommand
    {
        public static Command Create()
        {
            var configOption = new Option<string>("--config") { Description = "The proxy configuration (JSON): profile, upstream models, limits. See docs/serving.md.", Required = true };
            var urlsOption = new Option<string?>("--urls") { Description = "Addresses to listen on, ';'-separated (default: the configuration's \"urls\", else http://127.0.0.1:8080)." };
            var embedderOption = new Option<string?>("--embedder")
            {
                Description = "The profile's embedder, needed only for ONNX profiles: onnx:<dir> (checked against the profile's model hash).",
            };
            var command = new Command("serve", "Run an OpenAI-compatible proxy that routes model \"auto\" / \"auto:<preset>\" requests to upstream models.")
            {
                configOption,
                urlsOption,
                embedderOption,
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

                ProxySettings settings;
                IPromptRouter router;
                try
                {
                    settings = ProxySettings.Load(configPath);
                    string? embedder = parseResult.GetValue(embedderOption);
                    router = embedder is null
                        ? settings.LoadRouter()
                        : settings.LoadRouter(profile => RouteCommand.ResolveEmbedder(profile, embedder));
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

                        // A failed start (a port in use) reaches CommandAction as a one-line user error; the host's own
                        // log entry would repeat it with a stack trace.
                        ConfigureLogging = logging => logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical),
                    });
                }
                catch (ProxyConfigException e)
                {
                    throw new UserInputException($"{configPath}: {e.Message}", e);
                }

                output.WriteLine($"routergen serve: router {router.Tables.Name} ({router.Tables.ModelCount} models, {router.Tables.ClusterCount} clusters), {settings.Upstreams.Count} upstream models, client keys {(settings.RequiresClientKey ? "required" : "not required")}.");
                output.Flush();
                app.Run();
                return ExitCodes.Success;
            });
            return command;
        }
    }
}
