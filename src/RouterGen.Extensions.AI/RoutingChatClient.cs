using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using RouterGen.Routing;

namespace RouterGen.Extensions.AI
{
    /// <summary>
    /// An <see cref="IChatClient"/> that sends each request to the model a RouterGen router picks for it, falls back to the
    /// next-ranked model when a call fails, and reports the decision on the response.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The router sees the text of the last user message only. That is the turn the model must answer now; a system prompt
    /// is usually the same for every request and would pull every prompt toward one centroid, and earlier turns describe
    /// questions already answered (keep a conversation on one model with
    /// <see cref="RoutingChatClientOptions.StickyConversations"/> instead). Profiles are also fit on single prompts, so the
    /// last user message is the text closest to what the centroids were learned from.
    /// </para>
    /// <para>
    /// Per request, <see cref="ChatOptions.ModelId"/> may be null or <c>"auto"</c> (route with the default preset),
    /// <c>"auto:&lt;preset&gt;"</c> (route with that preset) or one of the router's model ids (use that model; the response
    /// still carries the cluster and expectations). See <see cref="ChatRoutingExtensions"/> for presets, knobs and
    /// allowed models.
    /// </para>
    /// </remarks>
    public sealed class RoutingChatClient : IChatClient
    {
        private const string AutoModel = "auto";
        private const string AutoPresetPrefix = "auto:";

        private readonly IPromptRouter _router;
        private readonly RouterTables _tables;
        private readonly ModelTarget?[] _targets;
        private readonly ModelMask _served;
        private readonly RoutingChatClientOptions _options;
        private readonly ConversationAffinity? _affinity;
        private readonly IChatClient? _ownedInner;

        /// <summary>Creates a client that calls a separate <see cref="IChatClient"/> per model.</summary>
        /// <param name="router">A generated router's or a loaded profile's prompt router.</param>
        /// <param name="models">Model id (as in the router's profile) to the client that serves it. Profile models absent
        /// here are never chosen. The clients are not disposed by this client.</param>
        /// <param name="options">Settings; defaults when null.</param>
        /// <exception cref="ArgumentException">A model id is not in the router's profile, or no model is mapped.</exception>
        public RoutingChatClient(IPromptRouter router, IEnumerable<KeyValuePair<string, IChatClient>> models, RoutingChatClientOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(router);
            ArgumentNullException.ThrowIfNull(models);
            _router = router;
            _tables = router.Tables;
            _targets = new ModelTarget?[_tables.ModelCount];
            ulong served = 0;
            foreach (KeyValuePair<string, IChatClient> model in models)
            {
                ArgumentNullException.ThrowIfNull(model.Value);
                int index = _tables.IndexOfModel(model.Key);
                if (index < 0)
                {
                    throw new ArgumentException(
                        $"Model '{model.Key}' is not in router '{_tables.Name}'; its models are: {string.Join(", ", _tables.ModelIds)}.",
                        nameof(models));
                }

                _targets[index] = new ModelTarget(model.Value, null);
                served |= 1UL << index;
            }

            if (served == 0)
            {
                throw new ArgumentException($"No client was given for any of router '{_tables.Name}''s models ({string.Join(", ", _tables.ModelIds)}).", nameof(models));
            }

            _served = ModelMask.FromAllowedBits(served);
            _options = Validate(options ?? new RoutingChatClientOptions());
            _affinity = _options.StickyConversations ? new ConversationAffinity(_options.StickyConversationCapacity) : null;
        }

        /// <summary>
        /// Creates a client that sends every request to <paramref name="inner"/>, setting <see cref="ChatOptions.ModelId"/>
        /// to the chosen model's id: for one endpoint that serves every model (a gateway, OpenRouter, a vLLM fleet).
        /// <paramref name="inner"/> is disposed with this client.
        /// </summary>
        public RoutingChatClient(IPromptRouter router, IChatClient inner, RoutingChatClientOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(router);
            ArgumentNullException.ThrowIfNull(inner);
            _router = router;
            _tables = router.Tables;
            _targets = new ModelTarget?[_tables.ModelCount];
            for (int m = 0; m < _targets.Length; m++)
            {
                _targets[m] = new ModelTarget(inner, _tables.ModelIds[m]);
            }

            _served = ModelMask.All;
            _ownedInner = inner;
            _options = Validate(options ?? new RoutingChatClientOptions());
            _affinity = _options.StickyConversations ? new ConversationAffinity(_options.StickyConversationCapacity) : null;
        }

        /// <summary>The router deciding each request.</summary>
        public IPromptRouter Router => _router;

        /// <inheritdoc />
        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(messages);
            IList<ChatMessage> conversation = messages as IList<ChatMessage> ?? new List<ChatMessage>(messages);
            RequestRouting request = ResolveRequest(options);
            Plan plan = Decide(conversation, options, request);
            if (_options.Cascade is { } cascade && !plan.IsSticky)
            {
                return await CascadeAsync(cascade, conversation, options, request, plan, cancellationToken).ConfigureAwait(false);
            }

            var attempted = new List<string>(2);
            List<Exception>? failures = null;
            foreach (int model in plan.Candidates)
            {
                ModelTarget target = _targets[model]!;
                attempted.Add(_tables.ModelIds[model]);
                try
                {
                    ChatResponse response = await target.Client.GetResponseAsync(conversation, Forward(options, target), cancellationToken).ConfigureAwait(false);
                    var decision = new RoutedChatDecision(plan.Decision, model, request.Preset, attempted, failures?.Count ?? 0, plan.IsSticky, 0, null);
                    Remember(plan, model);
                    return Annotate(response, decision);
                }
                catch (Exception ex) when (MayFallBack(ex, cancellationToken))
                {
                    (failures ??= new List<Exception>()).Add(ex);
                }
            }

            throw AllFailed(attempted, failures!);
        }

        /// <inheritdoc />
        /// <remarks>
        /// A call that fails before its first update falls back to the next-ranked model. Once an update has been yielded,
        /// a failure surfaces to the caller: restarting would silently repeat or contradict text the caller already has.
        /// Cascades do not apply to streaming (the check needs the whole answer before anything is shown).
        /// </remarks>
        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages,
            ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(messages);
            IList<ChatMessage> conversation = messages as IList<ChatMessage> ?? new List<ChatMessage>(messages);
            RequestRouting request = ResolveRequest(options);
            Plan plan = Decide(conversation, options, request);
            var attempted = new List<string>(2);
            List<Exception>? failures = null;
            foreach (int model in plan.Candidates)
            {
                ModelTarget target = _targets[model]!;
                attempted.Add(_tables.ModelIds[model]);
                IAsyncEnumerator<ChatResponseUpdate>? updates = null;
                bool hasFirst;
                try
                {
                    updates = target.Client.GetStreamingResponseAsync(conversation, Forward(options, target), cancellationToken).GetAsyncEnumerator(cancellationToken);
                    hasFirst = await updates.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (MayFallBack(ex, cancellationToken))
                {
                    (failures ??= new List<Exception>()).Add(ex);
                    if (updates is not null)
                    {
                        await updates.DisposeAsync().ConfigureAwait(false);
                    }

                    continue;
                }

                try
                {
                    var decision = new RoutedChatDecision(plan.Decision, model, request.Preset, attempted, failures?.Count ?? 0, plan.IsSticky, 0, null);
                    Remember(plan, model);
                    string modelId = _tables.ModelIds[model];
                    bool first = true;
                    while (hasFirst)
                    {
                        ChatResponseUpdate update = updates.Current;
                        update.ModelId = modelId;
                        if (first)
                        {
                            (update.AdditionalProperties ??= new AdditionalPropertiesDictionary())[ChatRoutingExtensions.DecisionKey] = decision;
                            first = false;
                        }

                        yield return update;

                        // From here on a failure propagates: the caller already has part of this model's answer.
                        hasFirst = await updates.MoveNextAsync().ConfigureAwait(false);
                    }
                }
                finally
                {
                    await updates.DisposeAsync().ConfigureAwait(false);
                }

                yield break;
            }

            throw AllFailed(attempted, failures!);
        }

        /// <inheritdoc />
        public object? GetService(Type serviceType, object? serviceKey = null)
        {
            ArgumentNullException.ThrowIfNull(serviceType);
            if (serviceKey is not null)
            {
                return null;
            }

            if (serviceType.IsInstanceOfType(this))
            {
                return this;
            }

            if (serviceType.IsInstanceOfType(_router))
            {
                return _router;
            }

            if (serviceType == typeof(RouterTables))
            {
                return _tables;
            }

            return serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("routergen") : null;
        }

        /// <inheritdoc />
        public void Dispose() => _ownedInner?.Dispose();

        private async Task<ChatResponse> CascadeAsync(ChatCascade cascade, IList<ChatMessage> conversation, ChatOptions? options, RequestRouting request, Plan plan, CancellationToken cancellationToken)
        {
            RouteDecision decision = Reroute(plan.Decision, cascade.FirstStep.WithAllowedModels(request.Options.AllowedModels));
            int statisticsCluster = decision.IsFallback ? -1 : decision.ClusterIndex;
            var attempted = new List<string>(cascade.MaxSteps);
            var failures = new List<Exception>();
            ModelMask remaining = request.Options.AllowedModels;
            ChatResponse? last = null;
            RoutedChatDecision? lastDecision = null;
            for (int step = 1; ; step++)
            {
                int model = decision.ModelIndex;
                ModelTarget target = _targets[model]!;
                attempted.Add(_tables.ModelIds[model]);
                ChatResponse? response = null;
                try
                {
                    response = await target.Client.GetResponseAsync(conversation, Forward(options, target), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (MayFallBack(ex, cancellationToken))
                {
                    // A failed call is a rejected answer: escalate.
                    failures.Add(ex);
                }

                if (response is not null)
                {
                    var partial = new RoutedChatDecision(decision, model, request.Preset, attempted.ToArray(), failures.Count, false, step, null);
                    bool accepted = await cascade.Accept(new ChatCascadeStep(response, partial, step), cancellationToken).ConfigureAwait(false);
                    last = response;
                    lastDecision = new RoutedChatDecision(decision, model, request.Preset, attempted, failures.Count, false, step, accepted);
                    if (accepted)
                    {
                        Remember(plan, model);
                        return Annotate(response, lastDecision);
                    }
                }

                // Escalate only to models expected to do better here than every model tried so far.
                double floor = _tables.QualityOf(statisticsCluster, model);
                remaining = remaining.Without(model);
                for (int m = 0; m < _tables.ModelCount; m++)
                {
                    if (_tables.QualityOf(statisticsCluster, m) <= floor)
                    {
                        remaining = remaining.Without(m);
                    }
                }

                if (step >= cascade.MaxSteps || remaining.CountAllowed(_tables.ModelCount) == 0)
                {
                    break;
                }

                decision = Reroute(decision, request.Options.WithAllowedModels(remaining));
            }

            if (last is null)
            {
                throw AllFailed(attempted, failures);
            }

            return Annotate(last, lastDecision!);
        }

        // Decides again with other options from a decision's cluster, without embedding the text again.
        private RouteDecision Reroute(RouteDecision decision, in RoutingOptions options) =>
            decision.IsFallback
                ? _tables.Fallback(decision.ClusterIndex, decision.Similarity, options)
                : _tables.ChooseInCluster(decision.ClusterIndex, decision.Similarity, options);

        private Plan Decide(IList<ChatMessage> conversation, ChatOptions? options, RequestRouting request)
        {
            string? key = _affinity is null ? null : (_options.ConversationKey ?? DefaultConversationKey)(options);
            if (key is not null && _affinity!.TryGet(key, out RouteDecision remembered, out int model) &&
                remembered.Options == request.Options && request.Options.AllowedModels.IsAllowed(model))
            {
                return new Plan(remembered, Candidates(remembered, model), key, IsSticky: true);
            }

            RouteDecision decision = _router.Route(RoutingText(conversation), request.Options);
            return new Plan(decision, Candidates(decision, decision.ModelIndex), key, IsSticky: false);
        }

        private int[] Candidates(RouteDecision decision, int first)
        {
            Span<int> ranked = stackalloc int[64];
            int count = decision.CopyRankedModels(ranked);
            int limit = Math.Min(count, _options.MaxAttempts);
            var candidates = new int[limit];
            candidates[0] = first;
            for (int i = 0, n = 1; i < count && n < limit; i++)
            {
                if (ranked[i] != first)
                {
                    candidates[n++] = ranked[i];
                }
            }

            return candidates;
        }

        private void Remember(Plan plan, int model)
        {
            if (plan.ConversationKey is not null)
            {
                _affinity!.Set(plan.ConversationKey, plan.Decision, model);
            }
        }

        private RequestRouting ResolveRequest(ChatOptions? options)
        {
            ModelMask allowed = _served;
            string? preset = null;
            string? modelId = options?.ModelId;
            if (!string.IsNullOrEmpty(modelId) && modelId != AutoModel)
            {
                if (modelId.StartsWith(AutoPresetPrefix, StringComparison.Ordinal))
                {
                    preset = modelId[AutoPresetPrefix.Length..];
                }
                else
                {
                    int pinned = _tables.IndexOfModel(modelId);
                    if (pinned < 0 || !_served.IsAllowed(pinned))
                    {
                        throw new ArgumentException($"ChatOptions.ModelId '{modelId}' is neither 'auto', 'auto:<preset>' nor a model this client serves ({string.Join(", ", ServedModelIds())}).", nameof(options));
                    }

                    allowed = ModelMask.Only(pinned);
                }
            }

            AdditionalPropertiesDictionary? properties = options?.AdditionalProperties;
            if (properties is not null && properties.TryGetValue(ChatRoutingExtensions.PresetKey, out object? presetValue) && presetValue is not null)
            {
                preset = presetValue as string ?? (presetValue is JsonElement { ValueKind: JsonValueKind.String } e ? e.GetString() : null)
                    ?? throw new ArgumentException($"'{ChatRoutingExtensions.PresetKey}' must be a string.", nameof(options));
            }

            preset ??= _options.DefaultPreset;
            RoutingOptions routing = _options.DefaultRouting;
            if (preset is not null && !_tables.TryGetPreset(preset, out routing))
            {
                throw new ArgumentException($"Router '{_tables.Name}' has no preset '{preset}'; its presets are: {string.Join(", ", _tables.PresetNames)}.", nameof(options));
            }

            if (properties is not null && properties.TryGetValue(ChatRoutingExtensions.KnobKey, out object? knobValue) && knobValue is not null)
            {
                RoutingPolicy policy = properties.TryGetValue(ChatRoutingExtensions.PolicyKey, out object? policyValue) ? ParsePolicy(policyValue) : RoutingPolicy.CostWeighted;
                routing = new RoutingOptions(policy, ParseKnob(knobValue));
                preset = null;
            }

            if (properties is not null && properties.TryGetValue(ChatRoutingExtensions.AllowedModelsKey, out object? allowedValue) && allowedValue is not null)
            {
                ulong bits = 0;
                foreach (string id in ParseModelIds(allowedValue))
                {
                    int index = _tables.IndexOfModel(id);
                    if (index < 0)
                    {
                        throw new ArgumentException($"Allowed model '{id}' is not in router '{_tables.Name}'; its models are: {string.Join(", ", _tables.ModelIds)}.", nameof(options));
                    }

                    bits |= 1UL << index;
                }

                allowed = ModelMask.FromAllowedBits(allowed.AllowedBits(_tables.ModelCount) & bits);
            }

            if (allowed.CountAllowed(_tables.ModelCount) == 0)
            {
                throw new ArgumentException($"The request allows none of the models this client serves ({string.Join(", ", ServedModelIds())}).", nameof(options));
            }

            return new RequestRouting(routing.WithAllowedModels(allowed), preset);
        }

        private IEnumerable<string> ServedModelIds()
        {
            for (int m = 0; m < _tables.ModelCount; m++)
            {
                if (_served.IsAllowed(m))
                {
                    yield return _tables.ModelIds[m];
                }
            }
        }

        private static RoutingPolicy ParsePolicy(object? value) => value switch
        {
            RoutingPolicy policy => policy,
            string s when s == "shortfall" => RoutingPolicy.Shortfall,
            string s when s == "cost-weighted" => RoutingPolicy.CostWeighted,
            JsonElement { ValueKind: JsonValueKind.String } e => ParsePolicy(e.GetString()),
            _ => throw new ArgumentException($"'{ChatRoutingExtensions.PolicyKey}' must be \"cost-weighted\" or \"shortfall\", not '{value}'."),
        };

        private static double ParseKnob(object value)
        {
            double knob = value switch
            {
                double d => d,
                float f => f,
                int i => i,
                long l => l,
                decimal m => (double)m,
                string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) => parsed,
                JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
                _ => double.NaN,
            };
            if (!(knob >= 0 && knob <= 1))
            {
                throw new ArgumentException($"'{ChatRoutingExtensions.KnobKey}' must be a number in [0, 1], not '{value}'.");
            }

            return knob;
        }

        private static IEnumerable<string> ParseModelIds(object value)
        {
            switch (value)
            {
                case string single:
                    return [single];
                case IEnumerable<string> ids:
                    return ids;
                case JsonElement { ValueKind: JsonValueKind.Array } array:
                    var list = new List<string>();
                    foreach (JsonElement item in array.EnumerateArray())
                    {
                        list.Add(item.GetString() ?? "");
                    }

                    return list;
                default:
                    throw new ArgumentException($"'{ChatRoutingExtensions.AllowedModelsKey}' must be a list of model ids.");
            }
        }

        private static string? DefaultConversationKey(ChatOptions? options) => options?.ConversationId;

        internal static string RoutingText(IList<ChatMessage> conversation)
        {
            for (int i = conversation.Count - 1; i >= 0; i--)
            {
                if (conversation[i].Role == ChatRole.User)
                {
                    return conversation[i].Text;
                }
            }

            // No user turn (unusual): the latest message is the best available description of the request.
            return conversation.Count > 0 ? conversation[^1].Text : "";
        }

        private static ChatOptions? Forward(ChatOptions? options, ModelTarget target)
        {
            if (options is null)
            {
                return target.ModelIdToSend is null ? null : new ChatOptions { ModelId = target.ModelIdToSend };
            }

            ChatOptions copy = options.Clone();
            copy.ModelId = target.ModelIdToSend;
            if (options.AdditionalProperties is { } properties)
            {
                // A fresh dictionary: the caller's options must not change, and routing keys mean nothing to the model.
                var forwarded = new AdditionalPropertiesDictionary();
                foreach (KeyValuePair<string, object?> property in properties)
                {
                    if (!ChatRoutingExtensions.IsRoutingKey(property.Key))
                    {
                        forwarded[property.Key] = property.Value;
                    }
                }

                copy.AdditionalProperties = forwarded.Count == 0 ? null : forwarded;
            }

            return copy;
        }

        private static ChatResponse Annotate(ChatResponse response, RoutedChatDecision decision)
        {
            response.ModelId = decision.ModelId;
            (response.AdditionalProperties ??= new AdditionalPropertiesDictionary())[ChatRoutingExtensions.DecisionKey] = decision;
            return response;
        }

        private bool MayFallBack(Exception exception, CancellationToken cancellationToken) =>
            !cancellationToken.IsCancellationRequested && (_options.ShouldFallback?.Invoke(exception) ?? true);

        private static Exception AllFailed(List<string> attempted, List<Exception> failures)
        {
            if (failures.Count == 1)
            {
                ExceptionDispatchInfo.Throw(failures[0]);
            }

            return new AggregateException($"Every model tried for this request failed: {string.Join(", ", attempted)}.", failures);
        }

        private static RoutingChatClientOptions Validate(RoutingChatClientOptions options)
        {
            if (options.MaxAttempts < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"MaxAttempts must be at least 1, not {options.MaxAttempts}.");
            }

            if (options.Cascade is { MaxSteps: < 1 })
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"Cascade.MaxSteps must be at least 1, not {options.Cascade.MaxSteps}.");
            }

            return options;
        }

        private sealed record ModelTarget(IChatClient Client, string? ModelIdToSend);

        private readonly record struct RequestRouting(RoutingOptions Options, string? Preset);

        private readonly record struct Plan(RouteDecision Decision, int[] Candidates, string? ConversationKey, bool IsSticky);
    }
}
