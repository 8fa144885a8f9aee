using System;
using System.Collections.Generic;
using RouterGen.Routing;

namespace RouterGen.Serving
{
    /// <summary>
    /// One request as serving code routes it, parsed once: the text the router sees, the routing options (preset or knob,
    /// allowed models, top clusters), a pinned model, a cost cap and a stickiness key. The chat client and the proxy both build one and
    /// turn it into a <see cref="RoutePlan"/>, so they parse model names and apply defaults the same way.
    /// </summary>
    public sealed class RoutingRequest
    {
        private RoutingRequest(string routingText, string? preset, RoutingOptions options, int pinnedModel, double? maxCostUsd, string? stickinessKey)
        {
            RoutingText = routingText;
            Preset = preset;
            Options = options;
            PinnedModel = pinnedModel;
            MaxCostUsd = maxCostUsd;
            StickinessKey = stickinessKey;
        }

        /// <summary>The text the router embeds (see <see cref="SelectRoutingText{T}"/>).</summary>
        public string RoutingText { get; }

        /// <summary>The preset the options came from, or null when a knob was given or the request pinned a model.</summary>
        public string? Preset { get; }

        /// <summary>Policy, knob, allowed models (served ∩ allowed ∩ pinned) and top clusters.</summary>
        public RoutingOptions Options { get; }

        /// <summary>Index of the pinned model, or -1 when the request asked for routing.</summary>
        public int PinnedModel { get; }

        /// <summary>Most USD the request may be expected to cost, or null for no cap.</summary>
        public double? MaxCostUsd { get; }

        /// <summary>Conversation key under which the routed model is remembered, or null.</summary>
        public string? StickinessKey { get; }

        /// <summary>
        /// The default preset of a serving endpoint: <paramref name="configured"/> when set, else the profile's first preset
        /// (profile order; every shipped profile lists <c>max-quality</c> first), else null (maximum quality).
        /// </summary>
        /// <exception cref="RoutingRequestException">The configured preset is not in the profile.</exception>
        public static string? DefaultPreset(RouterTables tables, string? configured)
        {
            ArgumentNullException.ThrowIfNull(tables);
            if (configured is not null)
            {
                return tables.TryGetPreset(configured, out _)
                    ? configured
                    : throw new RoutingRequestException(UnknownPresetMessage(tables, configured), RoutingRequestError.UnknownPreset, "defaultPreset");
            }

            return tables.PresetNames.Count > 0 ? tables.PresetNames[0] : null;
        }

        /// <summary>
        /// The text a router should see from a conversation: the last user message (the turn to answer now; a system prompt
        /// is shared by every request and would pull all prompts toward one centroid), or the last message when no user
        /// turn exists.
        /// </summary>
        public static string SelectRoutingText<T>(IReadOnlyList<T> conversation, Func<T, bool> isUser, Func<T, string?> text)
        {
            ArgumentNullException.ThrowIfNull(conversation);
            ArgumentNullException.ThrowIfNull(isUser);
            ArgumentNullException.ThrowIfNull(text);
            for (int i = conversation.Count - 1; i >= 0; i--)
            {
                if (isUser(conversation[i]))
                {
                    return text(conversation[i]) ?? "";
                }
            }

            return conversation.Count > 0 ? text(conversation[^1]) ?? "" : "";
        }

        /// <summary>Parses a request.</summary>
        /// <param name="tables">The router's tables.</param>
        /// <param name="routingText">The text to route (see <see cref="SelectRoutingText{T}"/>).</param>
        /// <param name="model">The request's model name (see <see cref="ModelSelector"/>); null means <c>auto</c>.</param>
        /// <param name="defaultPreset">The endpoint's default preset (see <see cref="DefaultPreset"/>); null routes for maximum quality.</param>
        /// <param name="served">Models the endpoint can call.</param>
        /// <param name="preset">A preset given beside the model name (overrides <c>auto:&lt;preset&gt;</c>).</param>
        /// <param name="knob">A policy and knob given beside the model name (overrides any preset).</param>
        /// <param name="allowedModels">Model ids this request may use, or null for every served model.</param>
        /// <param name="maxCostUsd">Cost cap in USD, or null.</param>
        /// <param name="stickinessKey">Conversation key, or null.</param>
        /// <param name="topClusters">How many nearest clusters blend their statistics (<see cref="RoutingOptions.TopClusters"/>;
        /// 1 to the router's cluster count), or null for the router's default.</param>
        /// <exception cref="RoutingRequestException">The request cannot be routed as asked; the message names the field.</exception>
        public static RoutingRequest Parse(
            RouterTables tables,
            string routingText,
            string? model,
            string? defaultPreset,
            ModelMask served = default,
            string? preset = null,
            RoutingOptions? knob = null,
            IEnumerable<string>? allowedModels = null,
            double? maxCostUsd = null,
            string? stickinessKey = null,
            int? topClusters = null)
        {
            ArgumentNullException.ThrowIfNull(tables);
            ArgumentNullException.ThrowIfNull(routingText);
            ModelSelector selector = ModelSelector.Parse(model);
            ulong allowed = served.AllowedBits(tables.ModelCount);
            int pinned = -1;
            if (selector.PinnedModelId is { } pinnedId)
            {
                pinned = tables.IndexOfModel(pinnedId);
                if (pinned < 0 || (allowed & (1UL << pinned)) == 0)
                {
                    throw new RoutingRequestException(
                        $"Model '{pinnedId}' is neither 'auto', 'auto:<preset>', 'auto:<policy>:<knob>' nor a model served here ({string.Join(", ", ModelIds(tables, allowed))}).",
                        RoutingRequestError.ModelNotFound,
                        "model");
                }

                allowed = 1UL << pinned;
            }

            if (allowedModels is not null)
            {
                ulong bits = 0;
                foreach (string id in allowedModels)
                {
                    int index = tables.IndexOfModel(id);
                    if (index < 0)
                    {
                        throw new RoutingRequestException(
                            $"Allowed model '{id}' is not in router '{tables.Name}'; its models are: {string.Join(", ", tables.ModelIds)}.", RoutingRequestError.ModelNotFound, "allowed_models");
                    }

                    bits |= 1UL << index;
                }

                allowed &= bits;
            }

            if (allowed == 0)
            {
                throw new RoutingRequestException(
                    $"The request allows none of the models served here ({string.Join(", ", ModelIds(tables, served.AllowedBits(tables.ModelCount)))}).", RoutingRequestError.NoAllowedModel, "allowed_models");
            }

            if (maxCostUsd is double cap && !(cap > 0 && !double.IsInfinity(cap)))
            {
                throw new RoutingRequestException($"The cost cap must be a positive number of USD, not {cap}.", RoutingRequestError.CostCapExceeded, "max_cost_usd");
            }

            string? chosenPreset = null;
            RoutingOptions options = RoutingOptions.MaxQuality;
            RoutingOptions? explicitKnob = knob ?? selector.Knob;
            if (explicitKnob is { } given)
            {
                options = given;
            }
            else if (pinned < 0 && (preset ?? selector.Preset ?? defaultPreset) is { } name)
            {
                if (!tables.TryGetPreset(name, out options))
                {
                    throw new RoutingRequestException(UnknownPresetMessage(tables, name), RoutingRequestError.UnknownPreset, "model");
                }

                chosenPreset = name;
            }

            options = options.WithAllowedModels(ModelMask.FromAllowedBits(allowed));
            if (CheckTopClusters(tables, topClusters, TopClustersField) is int top)
            {
                options = options.WithTopClusters(top);
            }

            return new RoutingRequest(routingText, chosenPreset, options, pinned, maxCostUsd, stickinessKey);
        }

        /// <summary>The field a request's top-clusters count is reported under.</summary>
        public const string TopClustersField = "top_clusters";

        /// <summary>
        /// Checks a number of nearest clusters to blend (a request's, or an endpoint's configured default): null, or 1 to
        /// the router's cluster count (and at most <see cref="RoutingOptions.MaxTopClusters"/>).
        /// </summary>
        /// <exception cref="RoutingRequestException">It is outside that range; the message names the range and <paramref name="field"/>.</exception>
        public static int? CheckTopClusters(RouterTables tables, int? topClusters, string field)
        {
            ArgumentNullException.ThrowIfNull(tables);
            int most = Math.Min(tables.ClusterCount, RoutingOptions.MaxTopClusters);
            if (topClusters is null || (topClusters >= 1 && topClusters <= most))
            {
                return topClusters;
            }

            throw new RoutingRequestException(
                $"'{field}': the number of nearest clusters to blend must be 1 to {most} (router '{tables.Name}' has {tables.ClusterCount} clusters; 1 is the nearest cluster alone), not {topClusters}.",
                RoutingRequestError.InvalidTopClusters,
                field);
        }

        private static string UnknownPresetMessage(RouterTables tables, string preset) =>
            $"Router '{tables.Name}' has no preset '{preset}'; its presets are: {string.Join(", ", tables.PresetNames)}.";

        private static IEnumerable<string> ModelIds(RouterTables tables, ulong bits)
        {
            for (int m = 0; m < tables.ModelCount; m++)
            {
                if ((bits & (1UL << m)) != 0)
                {
                    yield return tables.ModelIds[m];
                }
            }
        }
    }
}
