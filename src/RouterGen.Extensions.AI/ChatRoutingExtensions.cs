using System;
using System.Collections.Generic;
using Microsoft.Extensions.AI;
using RouterGen.Routing;

namespace RouterGen.Extensions.AI
{
    /// <summary>
    /// Per-request routing settings carried in <see cref="ChatOptions.AdditionalProperties"/>, and the routing decision
    /// carried back on responses. The keys are plain strings so that options built elsewhere (configuration, another
    /// process) can set them too; the typed methods here are the recommended way.
    /// </summary>
    public static class ChatRoutingExtensions
    {
        /// <summary>Key of a preset name (string).</summary>
        public const string PresetKey = "routergen.preset";

        /// <summary>Key of a policy ("cost-weighted" or "shortfall", or a <see cref="RoutingPolicy"/>); used with <see cref="KnobKey"/>.</summary>
        public const string PolicyKey = "routergen.policy";

        /// <summary>Key of a knob value (double); overrides any preset.</summary>
        public const string KnobKey = "routergen.knob";

        /// <summary>Key of the models this request may use (a sequence of model ids).</summary>
        public const string AllowedModelsKey = "routergen.allowed_models";

        /// <summary>
        /// Key of how many nearest clusters blend their statistics for this request (an integer, 1 to the router's cluster
        /// count; see <see cref="RoutingOptions.TopClusters"/>); overrides <see cref="RouterGenChatClientOptions.TopClusters"/>.
        /// </summary>
        public const string TopClustersKey = "routergen.top_clusters";

        /// <summary>Key under which a routed response carries its <see cref="RoutedChatDecision"/>.</summary>
        public const string DecisionKey = "routergen.decision";

        /// <summary>Routes this request with a named preset of the router's profile.</summary>
        public static ChatOptions WithRoutingPreset(this ChatOptions options, string preset)
        {
            ArgumentNullException.ThrowIfNull(options);
            ArgumentException.ThrowIfNullOrEmpty(preset);
            (options.AdditionalProperties ??= new AdditionalPropertiesDictionary())[PresetKey] = preset;
            return options;
        }

        /// <summary>Routes this request with an explicit policy and knob (overrides any preset).</summary>
        public static ChatOptions WithRoutingKnob(this ChatOptions options, RoutingPolicy policy, double knob)
        {
            ArgumentNullException.ThrowIfNull(options);
            if (double.IsNaN(knob))
            {
                throw new ArgumentOutOfRangeException(nameof(knob), "The knob must be a number.");
            }

            AdditionalPropertiesDictionary properties = options.AdditionalProperties ??= new AdditionalPropertiesDictionary();
            properties[PolicyKey] = RoutingPolicyNames.Format(policy);
            properties[KnobKey] = knob;
            return options;
        }

        /// <summary>
        /// Routes this request by the similarity-weighted statistics of its <paramref name="topClusters"/> nearest clusters
        /// (Avengers-Pro's soft clusters; 1 is the nearest cluster alone). See <see cref="RoutingOptions.TopClusters"/>.
        /// </summary>
        public static ChatOptions WithTopClusters(this ChatOptions options, int topClusters)
        {
            ArgumentNullException.ThrowIfNull(options);
            ArgumentOutOfRangeException.ThrowIfLessThan(topClusters, 1);
            (options.AdditionalProperties ??= new AdditionalPropertiesDictionary())[TopClustersKey] = topClusters;
            return options;
        }

        /// <summary>Restricts this request to the given model ids (for example, the models a tenant may use).</summary>
        public static ChatOptions WithAllowedModels(this ChatOptions options, params IEnumerable<string> modelIds)
        {
            ArgumentNullException.ThrowIfNull(options);
            ArgumentNullException.ThrowIfNull(modelIds);
            (options.AdditionalProperties ??= new AdditionalPropertiesDictionary())[AllowedModelsKey] = new List<string>(modelIds).ToArray();
            return options;
        }

        /// <summary>The routing decision of a response from a <see cref="RouterGenChatClient"/>, or null when it was not routed.</summary>
        public static RoutedChatDecision? GetRouteDecision(this ChatResponse response)
        {
            ArgumentNullException.ThrowIfNull(response);
            return response.AdditionalProperties?.TryGetValue(DecisionKey, out object? value) == true ? value as RoutedChatDecision : null;
        }

        /// <summary>
        /// The routing decision carried by a streamed update (the first update of a routed stream carries it), or null.
        /// </summary>
        public static RoutedChatDecision? GetRouteDecision(this ChatResponseUpdate update)
        {
            ArgumentNullException.ThrowIfNull(update);
            return update.AdditionalProperties?.TryGetValue(DecisionKey, out object? value) == true ? value as RoutedChatDecision : null;
        }

        internal static bool IsRoutingKey(string key) => key.StartsWith("routergen.", StringComparison.Ordinal);
    }
}
