using System;
using System.Collections.Generic;
using Microsoft.Extensions.AI;
using RouterGen.Extensions.AI;
using RouterGen.Routing;

namespace Microsoft.Extensions.DependencyInjection
{
    /// <summary>Registers a <see cref="RoutingChatClient"/> in a service collection.</summary>
    public static class RoutingChatClientServiceCollectionExtensions
    {
        /// <summary>
        /// Registers a <see cref="RoutingChatClient"/> as the <see cref="IChatClient"/> service. Each model of the router is
        /// served by the keyed <see cref="IChatClient"/> registered under its model id (for example with
        /// <c>services.AddKeyedChatClient("gpt-4o-mini", ...)</c>); models without one are never chosen.
        /// </summary>
        /// <param name="services">The service collection.</param>
        /// <param name="router">Creates the prompt router, e.g. <c>_ =&gt; MyRouter.CreatePromptRouter()</c> or
        /// <c>_ =&gt; RouterProfile.Load(path).CreatePromptRouter()</c>.</param>
        /// <param name="configure">Adjusts the client's options.</param>
        /// <param name="lifetime">Lifetime of the registration.</param>
        /// <returns>A builder to add middleware (logging, telemetry) around the routing client.</returns>
        public static ChatClientBuilder AddRoutingChatClient(
            this IServiceCollection services,
            Func<IServiceProvider, IPromptRouter> router,
            Action<RoutingChatClientOptions>? configure = null,
            ServiceLifetime lifetime = ServiceLifetime.Singleton)
        {
            ArgumentNullException.ThrowIfNull(services);
            ArgumentNullException.ThrowIfNull(router);
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
                            $"AddRoutingChatClient: no keyed IChatClient is registered for any of router '{promptRouter.Tables.Name}''s models ({string.Join(", ", promptRouter.Tables.ModelIds)}). Register one per model id with AddKeyedChatClient.");
                    }

                    return new RoutingChatClient(promptRouter, models, Configure(configure));
                },
                lifetime);
        }

        /// <summary>
        /// Routes every request that goes through the pipeline: the inner client (everything after this call in the
        /// builder) serves all models, and the routed model id is sent as <see cref="ChatOptions.ModelId"/>.
        /// </summary>
        /// <param name="builder">The chat client builder.</param>
        /// <param name="router">The prompt router.</param>
        /// <param name="configure">Adjusts the client's options.</param>
        public static ChatClientBuilder UseRouting(this ChatClientBuilder builder, IPromptRouter router, Action<RoutingChatClientOptions>? configure = null)
        {
            ArgumentNullException.ThrowIfNull(builder);
            ArgumentNullException.ThrowIfNull(router);
            return builder.Use(inner => new RoutingChatClient(router, inner, Configure(configure)));
        }

        private static RoutingChatClientOptions Configure(Action<RoutingChatClientOptions>? configure)
        {
            var options = new RoutingChatClientOptions();
            configure?.Invoke(options);
            return options;
        }
    }
}
