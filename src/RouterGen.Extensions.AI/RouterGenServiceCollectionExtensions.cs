using System;
using System.Collections.Generic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RouterGen.Extensions.AI;
using RouterGen.Routing;

namespace Microsoft.Extensions.DependencyInjection
{
    /// <summary>Registers a <see cref="RouterGenChatClient"/> in a service collection.</summary>
    public static class RouterGenServiceCollectionExtensions
    {
        /// <summary>
        /// Registers a <see cref="RouterGenChatClient"/> as the <see cref="IChatClient"/> service. Each model of the router is
        /// served by the keyed <see cref="IChatClient"/> registered under its model id (for example with
        /// <c>services.AddKeyedChatClient("gpt-4o-mini", ...)</c>); models without one are never chosen. Options come from
        /// <see cref="IOptions{TOptions}"/> (bind them with
        /// <c>services.Configure&lt;RouterGenChatClientOptions&gt;(configuration.GetSection("RouterGen"))</c>), then
        /// <paramref name="configure"/>; stickiness uses the registered <see cref="HybridCache"/> when there is one.
        /// </summary>
        /// <param name="services">The service collection.</param>
        /// <param name="router">Creates the prompt router, e.g. <c>_ =&gt; MyRouter.CreatePromptRouter()</c> or
        /// <c>_ =&gt; RouterProfile.Load(path).CreatePromptRouter()</c>.</param>
        /// <param name="configure">Adjusts the client's options after configuration.</param>
        /// <param name="lifetime">Lifetime of the registration.</param>
        /// <returns>A builder to add middleware (logging, telemetry) around the routing client.</returns>
        public static ChatClientBuilder AddRouterGenChatClient(
            this IServiceCollection services,
            Func<IServiceProvider, IPromptRouter> router,
            Action<RouterGenChatClientOptions>? configure = null,
            ServiceLifetime lifetime = ServiceLifetime.Singleton)
        {
            ArgumentNullException.ThrowIfNull(services);
            ArgumentNullException.ThrowIfNull(router);
            AddOptions(services, configure);
            return services.AddChatClient(
                provider =>
                {
                    IPromptRouter promptRouter = router(provider);
                    var models = new List<KeyValuePair<string, IChatClient>>();
                    foreach (string id in promptRouter.Tables.ModelIds)
                    {
                        if (provider.GetKeyedService<IChatClient>(id) is { } client)
                        {
                            models.Add(new KeyValuePair<string, IChatClient>(id, client));
                        }
                    }

                    if (models.Count == 0)
                    {
                        throw new InvalidOperationException(
                            $"AddRouterGenChatClient: no keyed IChatClient is registered for any of router '{promptRouter.Tables.Name}''s models ({string.Join(", ", promptRouter.Tables.ModelIds)}). Register one per model id with AddKeyedChatClient.");
                    }

#pragma warning disable MEAI001 // FailoverChatClient is experimental in Microsoft.Extensions.AI 10.x; the registration exposes IChatClient only.
                    return new RouterGenChatClient(promptRouter, models, provider.GetRequiredService<IOptions<RouterGenChatClientOptions>>().Value, provider.GetService<HybridCache>(), Logger(provider));
#pragma warning restore MEAI001
                },
                lifetime);
        }

        internal static void AddOptions(IServiceCollection services, Action<RouterGenChatClientOptions>? configure)
        {
            services.AddOptions<RouterGenChatClientOptions>();
            if (configure is not null)
            {
                services.Configure(configure);
            }
        }

        internal static ILogger? Logger(IServiceProvider? provider) =>
            provider?.GetService<ILoggerFactory>()?.CreateLogger("RouterGen.Extensions.AI.RouterGenChatClient");
    }
}

namespace Microsoft.Extensions.AI
{
    using Microsoft.Extensions.DependencyInjection;

    /// <summary>Adds RouterGen routing to a chat client pipeline, like Microsoft.Extensions.AI's own <c>UseXxx</c> extensions.</summary>
    public static class RouterGenChatClientBuilderExtensions
    {
        /// <summary>
        /// Routes every request that goes through the pipeline: the inner client (everything after this call in the
        /// builder) serves all models, and the routed model id is sent as <see cref="ChatOptions.ModelId"/>. Options,
        /// <see cref="HybridCache"/> and logging come from the builder's services when it has them.
        /// </summary>
        /// <param name="builder">The chat client builder.</param>
        /// <param name="router">The prompt router.</param>
        /// <param name="configure">Adjusts the client's options (after any from <see cref="IOptions{TOptions}"/>).</param>
        public static ChatClientBuilder UseRouterGen(this ChatClientBuilder builder, IPromptRouter router, Action<RouterGenChatClientOptions>? configure = null)
        {
            ArgumentNullException.ThrowIfNull(builder);
            ArgumentNullException.ThrowIfNull(router);
            return builder.Use((inner, services) =>
            {
                RouterGenChatClientOptions options = services.GetService<IOptions<RouterGenChatClientOptions>>()?.Value ?? new RouterGenChatClientOptions();
                configure?.Invoke(options);
#pragma warning disable MEAI001 // FailoverChatClient is experimental in Microsoft.Extensions.AI 10.x; the pipeline exposes IChatClient only.
                return new RouterGenChatClient(router, inner, options, services.GetService<HybridCache>(), Microsoft.Extensions.DependencyInjection.RouterGenServiceCollectionExtensions.Logger(services));
#pragma warning restore MEAI001
            });
        }

        /// <summary>A RouterGen embedder as a Microsoft.Extensions.AI embedding generator.</summary>
        public static IEmbeddingGenerator<string, Embedding<float>> AsEmbeddingGenerator(this RouterGen.Embedding.IEmbedder embedder) => new RouterGenEmbeddingGenerator(embedder);
    }
}
