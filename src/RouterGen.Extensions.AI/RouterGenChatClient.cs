using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RouterGen.Routing;
using RouterGen.Serving;

namespace RouterGen.Extensions.AI
{
    /// <summary>
    /// A Microsoft.Extensions.AI <see cref="FailoverChatClient"/> whose client selection is the RouterGen decision: the
    /// first call goes to the model the router picks for the request, and after a failure the next model in the
    /// decision's ranking is selected. The response carries the decision (<see cref="ChatRoutingExtensions.GetRouteDecision(ChatResponse)"/>).
    /// </summary>
    /// <remarks>
    /// <para>
    /// The request is parsed into a <see cref="RoutingRequest"/> and a <see cref="RoutePlan"/>, the same ones the proxy
    /// uses: <see cref="ChatOptions.ModelId"/> may be null or <c>"auto"</c> (the default preset),
    /// <c>"auto:&lt;preset&gt;"</c>, <c>"auto:&lt;policy&gt;:&lt;knob&gt;"</c> (<c>auto:cost-weighted:0.3</c>) or one
    /// of the router's model ids (pinned; the response still carries the cluster and expectations). See
    /// <see cref="ChatRoutingExtensions"/> for presets, knobs and allowed models set beside the model name.
    /// </para>
    /// <para>
    /// The router sees the text of the last user message only: that is the turn the model must answer now, a system prompt
    /// is shared by every request and would pull every prompt toward one centroid, and profiles are fit on single prompts.
    /// Keep a conversation on one model with <see cref="RouterGenChatClientOptions.StickyConversations"/>.
    /// </para>
    /// <para>
    /// Each request is reported as a <c>routergen.route</c> span (see <see cref="RoutingTelemetry"/>), a child of the
    /// caller's span — with <c>UseOpenTelemetry()</c> before <c>UseRouterGen(...)</c> in the builder, the GenAI
    /// <c>chat</c> span — and as a structured log entry.
    /// </para>
    /// </remarks>
    [Experimental("MEAI001")]
    public sealed partial class RouterGenChatClient : FailoverChatClient
    {
        private readonly IPromptRouter _router;
        private readonly RouterTables _tables;
        private readonly IChatClient?[] _clients;
        private readonly string?[] _modelIdToSend;
        private readonly ModelMask _served;
        private readonly RouterGenChatClientOptions _options;
        private readonly string? _defaultPreset;
        private readonly ConversationStickiness? _stickiness;
        private readonly ILogger _logger;
        private readonly IChatClient? _ownedInner;
        private readonly ConditionalWeakTable<RoutingContext, RequestState> _requests = new();

        /// <summary>Creates a client that calls a separate <see cref="IChatClient"/> per model.</summary>
        /// <param name="router">A generated router's or a loaded profile's prompt router.</param>
        /// <param name="models">Model id (as in the router's profile) to the client that serves it. Profile models absent
        /// here are never chosen. The clients are not disposed by this client.</param>
        /// <param name="options">Settings; defaults when null.</param>
        /// <param name="stickinessCache">Where <see cref="RouterGenChatClientOptions.StickyConversations"/> remembers routes
        /// (shared across instances with a distributed second level); a bounded in-process map when null.</param>
        /// <param name="logger">Receives one entry per decision and per fallback.</param>
        /// <exception cref="ArgumentException">A model id is not in the router's profile, or no model is mapped.</exception>
        public RouterGenChatClient(
            IPromptRouter router,
            IEnumerable<KeyValuePair<string, IChatClient>> models,
            RouterGenChatClientOptions? options = null,
            HybridCache? stickinessCache = null,
            ILogger? logger = null)
        {
            ArgumentNullException.ThrowIfNull(router);
            ArgumentNullException.ThrowIfNull(models);
            _router = router;
            _tables = router.Tables;
            _clients = new IChatClient?[_tables.ModelCount];
            _modelIdToSend = new string?[_tables.ModelCount];
            ulong served = 0;
            foreach (KeyValuePair<string, IChatClient> model in models)
            {
                ArgumentNullException.ThrowIfNull(model.Value);
                int index = _tables.IndexOfModel(model.Key);
                if (index < 0)
                {
                    throw new ArgumentException(
                        $"Model '{model.Key}' is not in router '{_tables.Name}'; its models are: {string.Join(", ", _tables.ModelIds)}.", nameof(models));
                }

                _clients[index] = model.Value;
                served |= 1UL << index;
            }

            if (served == 0)
            {
                throw new ArgumentException($"No client was given for any of router '{_tables.Name}''s models ({string.Join(", ", _tables.ModelIds)}).", nameof(models));
            }

            _served = ModelMask.FromAllowedBits(served);
            _options = Validate(options ?? new RouterGenChatClientOptions());
            _defaultPreset = RoutingRequest.DefaultPreset(_tables, _options.DefaultPreset);
            RoutingRequest.CheckTopClusters(_tables, _options.TopClusters, nameof(RouterGenChatClientOptions.TopClusters));
            _stickiness = CreateStickiness(_options, stickinessCache);
            _logger = logger ?? NullLogger.Instance;
        }

        /// <summary>
        /// Creates a client that sends every request to <paramref name="inner"/>, setting <see cref="ChatOptions.ModelId"/>
        /// to the chosen model's id: for one endpoint that serves every model (a gateway, OpenRouter, a vLLM fleet).
        /// <paramref name="inner"/> is disposed with this client.
        /// </summary>
        /// <param name="router">The prompt router.</param>
        /// <param name="inner">The client that serves every model.</param>
        /// <param name="options">Settings; defaults when null.</param>
        /// <param name="stickinessCache">Where sticky routes are remembered; in-process when null.</param>
        /// <param name="logger">Receives one entry per decision and per fallback.</param>
        public RouterGenChatClient(IPromptRouter router, IChatClient inner, RouterGenChatClientOptions? options = null, HybridCache? stickinessCache = null, ILogger? logger = null)
        {
            ArgumentNullException.ThrowIfNull(router);
            ArgumentNullException.ThrowIfNull(inner);
            _router = router;
            _tables = router.Tables;
            _clients = new IChatClient?[_tables.ModelCount];
            _modelIdToSend = new string?[_tables.ModelCount];
            for (int m = 0; m < _clients.Length; m++)
            {
                _clients[m] = inner;
                _modelIdToSend[m] = _tables.ModelIds[m];
            }

            _served = ModelMask.All;
            _ownedInner = inner;
            _options = Validate(options ?? new RouterGenChatClientOptions());
            _defaultPreset = RoutingRequest.DefaultPreset(_tables, _options.DefaultPreset);
            RoutingRequest.CheckTopClusters(_tables, _options.TopClusters, nameof(RouterGenChatClientOptions.TopClusters));
            _stickiness = CreateStickiness(_options, stickinessCache);
            _logger = logger ?? NullLogger.Instance;
        }

        /// <summary>The router deciding each request.</summary>
        public IPromptRouter Router => _router;

        /// <inheritdoc />
        public override object? GetService(Type serviceType, object? serviceKey = null)
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
        protected override async ValueTask<IChatClient> SelectClientAsync(RoutingContext context, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (!_requests.TryGetValue(context, out RequestState? state))
            {
                state = await BeginAsync(context, cancellationToken).ConfigureAwait(false);
                _requests.AddOrUpdate(context, state);
            }
            else if (state.Failures.Count > 0 && !MayFallBack(state.Failures[^1], cancellationToken))
            {
                Abandon(context, state);
                ExceptionDispatchInfo.Throw(state.Failures[^1]);
            }

            if (!state.Execution.TryGetNext(out RouteAttempt attempt))
            {
                Abandon(context, state);
                throw AllFailed(state);
            }

            if (state.Execution.Failures.Count > 0)
            {
                RouteAttemptFailure failed = state.Execution.Failures[^1];
                LogFallback(_logger, failed.ModelId, failed.Reason, attempt.ModelId);
            }

            return new AttemptClient(this, state, attempt);
        }

        /// <inheritdoc />
        protected override async ValueTask OnRoutingUpdateAsync(RoutingContext context, FailoverChatClientAttempt attempt, bool isTerminal, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(context);
            ArgumentNullException.ThrowIfNull(attempt);
            if (!_requests.TryGetValue(context, out RequestState? state))
            {
                return;
            }

            if (attempt.TimeToFirstUpdate is TimeSpan firstUpdate)
            {
                state.Execution.FirstUpdate(firstUpdate);
            }

            bool failed = !attempt.ResponseCompleted && attempt.Exception is not null;
            if (failed)
            {
                state.Failures.Add(attempt.Exception!);
                state.Execution.Fail(attempt.Exception is CascadeRejectedException ? "cascade_rejected" : attempt.Exception!.GetType().Name);
            }

            if (!isTerminal)
            {
                return;
            }

            _requests.Remove(context);
            state.Execution.End(succeeded: !failed);
            if (!failed && state.Execution.Current is { } served && state.Request.StickinessKey is { } key && _stickiness is not null)
            {
                await _stickiness.SetAsync(key, StickyRoute.From(state.Plan.Decision, served.ModelIndex), cancellationToken).ConfigureAwait(false);
            }
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _ownedInner?.Dispose();
            }

            base.Dispose(disposing);
        }

        private async ValueTask<RequestState> BeginAsync(RoutingContext context, CancellationToken cancellationToken)
        {
            ChatOptions? options = context.ChatOptions;
            var conversation = context.Messages as IReadOnlyList<ChatMessage> ?? new List<ChatMessage>(context.Messages);
            string text = RoutingRequest.SelectRoutingText(conversation, static m => m.Role == ChatRole.User, static m => m.Text);
            AdditionalPropertiesDictionary? properties = options?.AdditionalProperties;
            string? stickinessKey = _stickiness is null ? null : (_options.ConversationKey ?? DefaultConversationKey)(options);
            RoutingRequest request = RoutingRequest.Parse(
                _tables,
                text,
                options?.ModelId,
                _defaultPreset,
                _served,
                preset: ReadPreset(properties),
                knob: ReadKnob(properties),
                allowedModels: ReadAllowedModels(properties),
                stickinessKey: stickinessKey,
                topClusters: ReadTopClusters(properties) ?? _options.TopClusters);

            StickyRoute? remembered = null;
            if (stickinessKey is not null)
            {
                remembered = await _stickiness!.GetAsync(stickinessKey, cancellationToken).ConfigureAwait(false);
            }

            RoutePlan plan = RoutePlan.Create(_router, request, _options.MaxAttempts, remembered);
            ChatCascade? cascade = plan.IsSticky ? null : _options.Cascade;
            if (cascade is not null)
            {
                // Stickiness wins over a cascade: a conversation that already has its model keeps it.
                plan = RoutePlan.CreateCascade(_router, request, cascade.FirstStep, cascade.MaxSteps);
            }

            RouteDecision decision = plan.Decision;
            LogDecision(_logger, plan.Attempts[0].ModelId, decision.ClusterIndex, decision.ClusterLabel, decision.Similarity, request.Preset,
                RoutingPolicyNames.Format(decision.Options.Policy), decision.Options.Knob, plan.IsSticky,
                decision.FallbackReason == RouteFallbackReason.OutOfDistribution, decision.FallbackReason == RouteFallbackReason.LowConfidence);
            return new RequestState(request, plan, plan.Start(), cascade);
        }

        private static ConversationStickiness? CreateStickiness(RouterGenChatClientOptions options, HybridCache? cache) =>
            !options.StickyConversations ? null
            : cache is not null ? new HybridCacheStickiness(cache, options.StickyConversationDuration)
            : new InProcessStickiness(options.StickyConversationCapacity);

        private static string? ReadPreset(AdditionalPropertiesDictionary? properties)
        {
            if (properties is null || !properties.TryGetValue(ChatRoutingExtensions.PresetKey, out object? value) || value is null)
            {
                return null;
            }

            return value as string ?? (value is JsonElement { ValueKind: JsonValueKind.String } e ? e.GetString() : null)
                ?? throw new RoutingRequestException($"'{ChatRoutingExtensions.PresetKey}' must be a string.", RoutingRequestError.UnknownPreset, ChatRoutingExtensions.PresetKey);
        }

        private static RoutingOptions? ReadKnob(AdditionalPropertiesDictionary? properties)
        {
            if (properties is null || !properties.TryGetValue(ChatRoutingExtensions.KnobKey, out object? knobValue) || knobValue is null)
            {
                return null;
            }

            RoutingPolicy policy = properties.TryGetValue(ChatRoutingExtensions.PolicyKey, out object? policyValue) ? ParsePolicy(policyValue) : RoutingPolicy.CostWeighted;
            string text = knobValue switch
            {
                double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                int i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
                decimal m => m.ToString(System.Globalization.CultureInfo.InvariantCulture),
                JsonElement { ValueKind: JsonValueKind.Number } e => e.GetRawText(),
                _ => knobValue.ToString() ?? "",
            };
            return new RoutingOptions(policy, ModelSelector.ParseKnob(text, ChatRoutingExtensions.KnobKey));
        }

        private static RoutingPolicy ParsePolicy(object? value) => value switch
        {
            RoutingPolicy policy => policy,
            string s when RoutingPolicyNames.TryParse(s, out RoutingPolicy parsed) => parsed,
            JsonElement { ValueKind: JsonValueKind.String } e => ParsePolicy(e.GetString()),
            _ => throw new RoutingRequestException(
                $"'{ChatRoutingExtensions.PolicyKey}' must be {RoutingPolicyNames.Expected}, not '{value}'.", RoutingRequestError.InvalidKnob, ChatRoutingExtensions.PolicyKey),
        };

        private static int? ReadTopClusters(AdditionalPropertiesDictionary? properties)
        {
            if (properties is null || !properties.TryGetValue(ChatRoutingExtensions.TopClustersKey, out object? value) || value is null)
            {
                return null;
            }

            return value switch
            {
                int i => i,
                long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
                JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetInt32(out int parsed) => parsed,
                _ => throw new RoutingRequestException(
                    $"'{ChatRoutingExtensions.TopClustersKey}' must be an integer number of nearest clusters, not '{value}'.", RoutingRequestError.InvalidTopClusters, ChatRoutingExtensions.TopClustersKey),
            };
        }

        private static IEnumerable<string>? ReadAllowedModels(AdditionalPropertiesDictionary? properties)
        {
            if (properties is null || !properties.TryGetValue(ChatRoutingExtensions.AllowedModelsKey, out object? value) || value is null)
            {
                return null;
            }

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
                    throw new RoutingRequestException(
                        $"'{ChatRoutingExtensions.AllowedModelsKey}' must be a list of model ids.", RoutingRequestError.ModelNotFound, ChatRoutingExtensions.AllowedModelsKey);
            }
        }

        private static string? DefaultConversationKey(ChatOptions? options) => options?.ConversationId;

        private void Abandon(RoutingContext context, RequestState state)
        {
            _requests.Remove(context);
            state.Execution.End(succeeded: false);
        }

        private bool MayFallBack(Exception exception, CancellationToken cancellationToken) =>
            exception is CascadeRejectedException || (!cancellationToken.IsCancellationRequested && (_options.ShouldFallback?.Invoke(exception) ?? true));

        private static Exception AllFailed(RequestState state)
        {
            List<Exception> failures = state.Failures;
            if (failures.Count == 1)
            {
                ExceptionDispatchInfo.Throw(failures[0]);
            }

            return new AggregateException($"Every model tried for this request failed: {string.Join(", ", state.Execution.AttemptedModels)}.", failures);
        }

        private static RouterGenChatClientOptions Validate(RouterGenChatClientOptions options)
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

        private RoutedChatDecision Describe(RequestState state, RouteAttempt attempt, bool? cascadeAccepted) => new(
            state.Plan.Decision,
            attempt.ModelIndex,
            state.Request.Preset,
            [.. state.Execution.AttemptedModels],
            state.Failures.Count(static e => e is not CascadeRejectedException),
            state.Plan.IsSticky,
            state.Cascade is null ? 0 : state.Execution.AttemptedModels.Count,
            state.Cascade is null ? null : cascadeAccepted);

        private ChatOptions? Forward(ChatOptions? options, int model)
        {
            string? modelId = _modelIdToSend[model];
            if (options is null)
            {
                return modelId is null ? null : new ChatOptions { ModelId = modelId };
            }

            ChatOptions copy = options.Clone();
            copy.ModelId = modelId;
            if (options.AdditionalProperties is { } properties)
            {
                // A fresh dictionary: the request's options are shared by its attempts, and routing keys mean nothing to the model.
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

        [LoggerMessage(EventId = 1, Level = LogLevel.Information,
            Message = "Routed to {Model}: cluster {Cluster} \"{ClusterLabel}\", similarity {Similarity:0.000}, preset {Preset}, {Policy} knob {Knob}, sticky {Sticky}, out of distribution {OutOfDistribution}, low confidence {LowConfidence}")]
        private static partial void LogDecision(ILogger logger, string model, int cluster, string? clusterLabel, float similarity, string? preset, string policy, double knob, bool sticky, bool outOfDistribution, bool lowConfidence);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Model {FailedModel} failed ({Reason}); falling back to {NextModel}")]
        private static partial void LogFallback(ILogger logger, string failedModel, string reason, string nextModel);

        private sealed record RequestState(RoutingRequest Request, RoutePlan Plan, RouteExecution Execution, ChatCascade? Cascade)
        {
            public List<Exception> Failures { get; } = new(1);

            public ChatResponse? Rejected { get; set; }
        }

        // Thrown by a cascade step whose answer the check rejected while a better model remains: the failover loop then
        // selects the escalation.
        private sealed class CascadeRejectedException : Exception
        {
            public CascadeRejectedException()
                : base("The cascade's check rejected the answer; escalating.")
            {
            }
        }

        // One model call of one request: forwards with the model's id and without routing keys, and annotates the answer.
        private sealed class AttemptClient : DelegatingChatClient
        {
            private readonly RouterGenChatClient _owner;
            private readonly RequestState _state;
            private readonly RouteAttempt _attempt;

            public AttemptClient(RouterGenChatClient owner, RequestState state, RouteAttempt attempt)
                : base(owner._clients[attempt.ModelIndex]!)
            {
                _owner = owner;
                _state = state;
                _attempt = attempt;
            }

            public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            {
                bool last = _state.Execution.AttemptedModels.Count >= _state.Plan.Attempts.Count;
                ChatResponse response;
                try
                {
                    response = await base.GetResponseAsync(messages, _owner.Forward(options, _attempt.ModelIndex), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception) when (last && _state.Rejected is { } rejected && !cancellationToken.IsCancellationRequested)
                {
                    // The last escalation failed: the cascade's best answer is the one it rejected before.
                    return rejected;
                }

                _state.Execution.ReportUsage(response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount);
                if (_state.Cascade is not { } cascade)
                {
                    return Annotate(response, _owner.Describe(_state, _attempt, null));
                }

                int step = _state.Execution.AttemptedModels.Count;
                bool accepted = await cascade.Accept(new ChatCascadeStep(response, _owner.Describe(_state, _attempt, null), step), cancellationToken).ConfigureAwait(false);
                Annotate(response, _owner.Describe(_state, _attempt, accepted));
                if (accepted || last)
                {
                    return response;
                }

                _state.Rejected = response;
                throw new CascadeRejectedException();
            }

            public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
                IEnumerable<ChatMessage> messages,
                ChatOptions? options = null,
                [EnumeratorCancellation] CancellationToken cancellationToken = default)
            {
                RoutedChatDecision? decision = _owner.Describe(_state, _attempt, null);
                string modelId = _attempt.ModelId;
                await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, _owner.Forward(options, _attempt.ModelIndex), cancellationToken).ConfigureAwait(false))
                {
                    update.ModelId = modelId;
                    if (decision is not null)
                    {
                        (update.AdditionalProperties ??= new AdditionalPropertiesDictionary())[ChatRoutingExtensions.DecisionKey] = decision;
                        decision = null;
                    }

                    foreach (AIContent content in update.Contents)
                    {
                        if (content is UsageContent usage)
                        {
                            _state.Execution.ReportUsage(usage.Details.InputTokenCount, usage.Details.OutputTokenCount);
                        }
                    }

                    yield return update;
                }
            }

            // The model clients belong to the router client, not to one attempt: this wrapper is never disposed (the
            // failover base leaves selected clients to their owner), so DelegatingChatClient never disposes them.

            private static ChatResponse Annotate(ChatResponse response, RoutedChatDecision decision)
            {
                response.ModelId = decision.ModelId;
                (response.AdditionalProperties ??= new AdditionalPropertiesDictionary())[ChatRoutingExtensions.DecisionKey] = decision;
                return response;
            }
        }
    }
}
