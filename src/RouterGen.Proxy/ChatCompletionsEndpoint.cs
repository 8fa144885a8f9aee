using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;
using RouterGen.Extensions.AI;
using RouterGen.Json;
using RouterGen.Routing;
using RouterGen.Serving;

namespace RouterGen.Proxy
{
    /// <summary>
    /// <c>POST /v1/chat/completions</c>: validates the request, routes <c>auto</c> requests, and forwards the body with the
    /// upstream model name to the chosen upstream, falling back to the next-ranked model on 5xx, 429, timeouts and
    /// connection failures as long as nothing has been sent to the client yet.
    /// </summary>
    internal sealed class ChatCompletionsEndpoint
    {
        public const string ModelHeader = "x-routergen-model";
        public const string ClusterHeader = "x-routergen-cluster";
        public const string ClusterLabelHeader = "x-routergen-cluster-label";
        public const string PresetHeader = "x-routergen-preset";
        public const string FallbacksHeader = "x-routergen-fallbacks";
        public const string MaxCostHeader = "x-routergen-max-cost-usd";
        public const string TopClustersHeader = "x-routergen-top-clusters";
        public const string FailedAttemptsHeader = "x-routergen-failed-attempts";
        public const string ConversationHeader = "x-routergen-conversation";
        public const string StickyHeader = "x-routergen-sticky";
        public const int MaxConversationIdLength = 256;

        private const string Auto = "auto";
        private const string AutoPrefix = "auto:";
        private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

        private readonly ProxySettings _settings;
        private readonly IPromptRouter _router;
        private readonly RouterTables _tables;
        private readonly ProxyMetrics _metrics;
        private readonly UpstreamResilience _resilience;
        private readonly ConversationStickiness? _stickiness;
        private readonly ILogger _logger;
        private readonly UpstreamModel?[] _upstreamOfModel;
        private readonly ModelMask _served;
        private readonly SecretRedactor _redactor;
        private readonly string? _defaultPreset;

        public ChatCompletionsEndpoint(ProxySettings settings, IPromptRouter router, ProxyMetrics metrics, UpstreamResilience resilience, ILogger logger, ConversationStickiness? stickiness = null)
        {
            _settings = settings;
            _router = router;
            _tables = router.Tables;
            _metrics = metrics;
            _resilience = resilience;
            _stickiness = stickiness;
            _logger = logger;
            _redactor = new SecretRedactor(settings.Upstreams.Values.Select(u => u.ApiKey));
            _upstreamOfModel = new UpstreamModel?[_tables.ModelCount];
            ulong served = 0;
            for (int m = 0; m < _tables.ModelCount; m++)
            {
                if (settings.TryGetUpstream(_tables.ModelIds[m], out UpstreamModel upstream))
                {
                    _upstreamOfModel[m] = upstream;
                    served |= 1UL << m;
                }
            }

            if (served == 0)
            {
                throw new ProxyConfigException(
                    $"None of router '{_tables.Name}''s models ({string.Join(", ", _tables.ModelIds)}) has an upstream in the proxy configuration's \"models\".");
            }

            _served = ModelMask.FromAllowedBits(served);
            if (settings.Config.DefaultPreset is { } preset && !_tables.TryGetPreset(preset, out _))
            {
                throw new ProxyConfigException($"defaultPreset: router '{_tables.Name}' has no preset '{preset}'; its presets are: {string.Join(", ", _tables.PresetNames)}.");
            }

            // The same default as the chat client: the configured preset, else the profile's first.
            _defaultPreset = RoutingRequest.DefaultPreset(_tables, settings.Config.DefaultPreset);
            try
            {
                RoutingRequest.CheckTopClusters(_tables, settings.Config.TopClusters, "topClusters");
            }
            catch (RoutingRequestException e)
            {
                throw new ProxyConfigException(e.Message);
            }
        }

        public bool Authorize(HttpContext context)
        {
            if (!_settings.RequiresClientKey)
            {
                return true;
            }

            string? header = context.Request.Headers.Authorization;
            if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(Encoding.UTF8.GetBytes(header.AsSpan(7).Trim().ToString()), presented);
            bool accepted = false;
            foreach (byte[] key in _settings.ClientKeyHashes)
            {
                // No early exit: the time taken does not depend on which key (if any) matched.
                accepted |= CryptographicOperations.FixedTimeEquals(key, presented);
            }

            return accepted;
        }

        public Task RejectUnauthorizedAsync(HttpContext context)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return OpenAIError.WriteAsync(context, StatusCodes.Status401Unauthorized, "Invalid or missing API key. Send 'Authorization: Bearer <key>' with a key this proxy accepts.", "invalid_api_key");
        }

        public async Task HandleAsync(HttpContext context)
        {
            long started = Stopwatch.GetTimestamp();
            string route = "rejected";
            int? status = null;
            try
            {
                route = await HandleCoreAsync(context).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; there is nobody to answer. Counted as 499 (client closed request), as nginx does.
                status = 499;
            }
            catch (BadHttpRequestException e)
            {
                // Kestrel's verdict on the upload itself (it ended early, or broke the protocol): the client's fault.
                status = e.StatusCode;
                await TryWriteErrorAsync(context, e.StatusCode, "The request body could not be read: " + e.Message, "invalid_request_body").ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // A bug, not a client error: one log entry (secrets masked), an OpenAI-shaped 500, and counted as 500.
                status = StatusCodes.Status500InternalServerError;
                _logger.LogError("Chat completion request failed: {Error}", _redactor.Redact(e.ToString()));
                await TryWriteErrorAsync(context, status.Value, "The proxy failed while handling this request; the error is logged.", "internal_error", type: "server_error").ConfigureAwait(false);
            }
            finally
            {
                _metrics.RequestFinished(route, status ?? context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
            }
        }

        // Answers with an error when nothing has been sent yet; otherwise the connection is cut so the client cannot take
        // a half-sent answer for a whole one.
        private static async Task TryWriteErrorAsync(HttpContext context, int status, string message, string code, string type = OpenAIError.InvalidRequest)
        {
            if (context.Response.HasStarted)
            {
                context.Abort();
                return;
            }

            try
            {
                context.Response.Headers.Clear();
                await OpenAIError.WriteAsync(context, status, message, code, type: type).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
            {
                context.Abort();
            }
        }

        private async Task<string> HandleCoreAsync(HttpContext context)
        {
            if (!Authorize(context))
            {
                await RejectUnauthorizedAsync(context).ConfigureAwait(false);
                return "rejected";
            }

            long limit = _settings.Config.MaxRequestBodyBytes;
            (byte[]? body, int length) = await ReadBodyAsync(context, limit).ConfigureAwait(false);
            if (body is null)
            {
                await OpenAIError.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, $"The request body is larger than this proxy's limit of {limit} bytes.", "request_too_large").ConfigureAwait(false);
                return "rejected";
            }

            try
            {
                return await HandleBodyAsync(context, body.AsMemory(0, length)).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
            }
        }

        private async Task<string> HandleBodyAsync(HttpContext context, ReadOnlyMemory<byte> body)
        {
            // Invalid UTF-8, lone-surrogate escapes and duplicate keys anywhere in the body are refused up front, so every
            // string read below decodes, and what is forwarded is well-formed Unicode JSON.
            if (StrictJson.Check(body.Span) is { } problem)
            {
                await OpenAIError.WriteAsync(context, 400, $"The request body is not valid JSON text: {(problem.Field is null ? "" : $"'{problem.Field}': ")}{problem.Problem}", "invalid_json", problem.Field).ConfigureAwait(false);
                return "rejected";
            }

            // JsonDocument reads the request in place (no copy, pooled metadata) and the forwarded body is written from it
            // with only "model" replaced; nothing is materialised into a mutable tree.
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body, new JsonDocumentOptions { AllowDuplicateProperties = false });
            }
            catch (JsonException e)
            {
                await OpenAIError.WriteAsync(context, 400, $"The request body is not valid JSON: {StrictJson.FirstSentence(e.Message)}", "invalid_json").ConfigureAwait(false);
                return "rejected";
            }

            using (document)
            {
                return await HandleRequestAsync(context, document.RootElement).ConfigureAwait(false);
            }
        }

        private async Task<string> HandleRequestAsync(HttpContext context, JsonElement request)
        {
            if (request.ValueKind != JsonValueKind.Object)
            {
                await OpenAIError.WriteAsync(context, 400, "The request body must be a JSON object.", "invalid_json").ConfigureAwait(false);
                return "rejected";
            }

            string? model = request.TryGetProperty("model", out JsonElement modelValue) && modelValue.ValueKind == JsonValueKind.String ? modelValue.GetString() : null;
            if (string.IsNullOrEmpty(model))
            {
                await OpenAIError.WriteAsync(context, 400, "'model' is required: \"auto\", \"auto:<preset>\" or an upstream model id.", "missing_required_parameter", "model").ConfigureAwait(false);
                return "rejected";
            }

            if (!request.TryGetProperty("messages", out JsonElement messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            {
                await OpenAIError.WriteAsync(context, 400, "'messages' is required and must be a non-empty array.", "missing_required_parameter", "messages").ConfigureAwait(false);
                return "rejected";
            }

            if (InvalidMessages(messages, out string? param) is { } invalid)
            {
                await OpenAIError.WriteAsync(context, 400, invalid, "invalid_type", param).ConfigureAwait(false);
                return "rejected";
            }

            bool stream = request.TryGetProperty("stream", out JsonElement streamValue) && streamValue.ValueKind == JsonValueKind.True;
            if (!TryGetCostCap(context, out double? cap))
            {
                await OpenAIError.WriteAsync(context, 400, $"Header '{MaxCostHeader}' must be a positive number of USD.", "invalid_header").ConfigureAwait(false);
                return "rejected";
            }

            if (!TryGetTopClusters(context, out int? topClusters))
            {
                await OpenAIError.WriteAsync(context, 400, $"Header '{TopClustersHeader}' must be a whole number of nearest clusters to blend, 1 to {_tables.ClusterCount}.", "invalid_header").ConfigureAwait(false);
                return "rejected";
            }

            // A model the upstream configuration serves but the profile does not know is passed through as is.
            if (model != Auto && !model.StartsWith(AutoPrefix, StringComparison.Ordinal) && _tables.IndexOfModel(model) < 0)
            {
                if (!_settings.TryGetUpstream(model, out UpstreamModel upstream))
                {
                    await OpenAIError.WriteAsync(context, 404, $"The model '{model}' does not exist on this proxy. Use \"auto\", \"auto:<preset>\", \"auto:<policy>:<knob>\" or one of the models listed at /v1/models.", "model_not_found", "model").ConfigureAwait(false);
                    return "rejected";
                }

                await ForwardAsync(context, request, stream, null, upstream, null).ConfigureAwait(false);
                return "passthrough";
            }

            string? conversation = context.Request.Headers[ConversationHeader];
            if (conversation is not null && !IsConversationId(conversation))
            {
                await OpenAIError.WriteAsync(context, 400, $"Header '{ConversationHeader}' must be 1 to {MaxConversationIdLength} visible ASCII characters.", "invalid_header").ConfigureAwait(false);
                return "rejected";
            }

            // Everything else goes through the request plan the chat client uses: same grammar, defaults and attempt order.
            RoutePlan plan;
            try
            {
                RoutingRequest routing = RoutingRequest.Parse(_tables, RoutingText(messages), model, _defaultPreset, _served, maxCostUsd: cap, topClusters: topClusters);
                StickyRoute? remembered = await RememberedRouteAsync(conversation, routing, context.RequestAborted).ConfigureAwait(false);

                // Models whose circuit is open are passed over without a call, so they do not use up the attempts.
                plan = RoutePlan.Create(_router, routing, Math.Min(ProxyConfig.MaxAttemptsLimit, _settings.Config.MaxAttempts + OpenCircuits()), remembered);
            }
            catch (RoutingRequestException e)
            {
                int status = e.Error == RoutingRequestError.ModelNotFound ? 404 : 400;
                // Header-borne fields have no body parameter to name; their message names the header.
                bool fromHeader = e.Field is "max_cost_usd" or RoutingRequest.TopClustersField;
                string message = e.Field == RoutingRequest.TopClustersField ? $"Header '{TopClustersHeader}': {e.Message}" : e.Message;
                await OpenAIError.WriteAsync(context, status, message, e.Code, fromHeader ? null : e.Field).ConfigureAwait(false);
                return "rejected";
            }

            RouteDecision decision = plan.Decision;
            bool pinned = plan.Request.PinnedModel >= 0;
            string presetLabel = pinned ? "none" : plan.Request.Preset ?? ModelSelector.Format(decision.Options);
            // The conversation keeps the model that actually answers (after a fallback, that one), under the options it was
            // decided with; a sticky answer renews the entry. It is remembered before the answer's body goes to the client,
            // so a next turn sent as soon as this answer arrives (to this instance or another sharing the cache) finds it.
            ConversationStickiness? stickiness = _stickiness;
            Func<int, ValueTask>? remember = conversation is null || stickiness is null || pinned
                ? null
                : servedModel => stickiness.SetAsync(conversation, StickyRoute.From(plan.Decision, servedModel), CancellationToken.None);
            var routed = new RoutedHeaders(decision.ClusterIndex, decision.ClusterLabel, presetLabel, conversation is null || _stickiness is null ? null : plan.IsSticky, remember);
            RouteExecution execution = plan.Start(_metrics.Routing);
            await ForwardAsync(context, request, stream, execution, null, routed).ConfigureAwait(false);

            return pinned ? "passthrough" : Auto;
        }

        private static bool IsConversationId(string id)
        {
            if (id.Length is 0 or > MaxConversationIdLength)
            {
                return false;
            }

            foreach (char c in id)
            {
                if (c is < '!' or > '~')
                {
                    return false;
                }
            }

            return true;
        }

        // The model this conversation was routed to before, unless it cannot take the request now (its circuit is open, or
        // it is no longer served): then the request is routed afresh, and the model that answers becomes the sticky one.
        private async Task<StickyRoute?> RememberedRouteAsync(string? conversation, RoutingRequest routing, CancellationToken aborted)
        {
            if (conversation is null || _stickiness is null || routing.PinnedModel >= 0 ||
                await _stickiness.GetAsync(conversation, aborted).ConfigureAwait(false) is not { } remembered)
            {
                return null;
            }

            if (_tables.IndexOfModel(remembered.ModelId) is int model and >= 0 && _upstreamOfModel[model] is not null &&
                _resilience.CircuitOf(remembered.ModelId).IsOpen(_resilience.Time.GetUtcNow(), out _))
            {
                _logger.LogInformation("Conversation routed afresh: its model {Model} has its circuit open.", remembered.ModelId);
                return null;
            }

            return remembered;
        }

        // The shape OpenAI itself requires and the routing text relies on: every message an object with a string role,
        // every content part an object with a string type.
        private static string? InvalidMessages(JsonElement messages, out string? param)
        {
            int index = 0;
            foreach (JsonElement message in messages.EnumerateArray())
            {
                param = $"messages[{index}]";
                if (message.ValueKind != JsonValueKind.Object)
                {
                    return $"'{param}' must be an object with a 'role' and 'content'.";
                }

                if (!message.TryGetProperty("role", out JsonElement role) || role.ValueKind != JsonValueKind.String)
                {
                    param += ".role";
                    return $"'{param}' must be a string such as \"user\".";
                }

                if (message.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.Array)
                {
                    int part = 0;
                    foreach (JsonElement contentPart in content.EnumerateArray())
                    {
                        if (contentPart.ValueKind != JsonValueKind.Object || !contentPart.TryGetProperty("type", out JsonElement type) || type.ValueKind != JsonValueKind.String)
                        {
                            param = FormattableString.Invariant($"messages[{index}].content[{part}].type");
                            return $"'{param}' is required and must be a string such as \"text\".";
                        }

                        part++;
                    }
                }

                index++;
            }

            param = null;
            return null;
        }

        private bool TryGetCostCap(HttpContext context, out double? cap)
        {
            cap = _settings.Config.MaxCostPerRequestUsd;
            string? header = context.Request.Headers[MaxCostHeader];
            if (header is null)
            {
                return true;
            }

            if (!double.TryParse(header, NumberStyles.Float, CultureInfo.InvariantCulture, out double requested) || !(requested > 0) || double.IsInfinity(requested))
            {
                return false;
            }

            // A client may only tighten the operator's budget.
            cap = cap is double configured ? Math.Min(configured, requested) : requested;
            return true;
        }

        // The request's header, else the operator's configured default (checked at start-up), else null: the profile's.
        // The range is checked with the request (RoutingRequest.Parse), so the chat client and the proxy say the same.
        private bool TryGetTopClusters(HttpContext context, out int? topClusters)
        {
            topClusters = _settings.Config.TopClusters;
            string? header = context.Request.Headers[TopClustersHeader];
            if (header is null)
            {
                return true;
            }

            if (!int.TryParse(header, NumberStyles.Integer, CultureInfo.InvariantCulture, out int requested))
            {
                return false;
            }

            topClusters = requested;
            return true;
        }

        private int OpenCircuits()
        {
            DateTimeOffset now = _resilience.Time.GetUtcNow();
            int open = 0;
            foreach (UpstreamModel? upstream in _upstreamOfModel)
            {
                if (upstream is not null && _resilience.CircuitOf(upstream.ModelId).IsOpen(now, out _))
                {
                    open++;
                }
            }

            return open;
        }

        // One attempt per model the execution hands out (or the one passed-through upstream), until one answers. A model
        // whose circuit is open is passed over without a call; each call retries its own model inside its pipeline first.
        private async Task<bool> ForwardAsync(HttpContext context, JsonElement request, bool stream, RouteExecution? execution, UpstreamModel? passthrough, RoutedHeaders? routed)
        {
            var failures = new AttemptFailures();
            CancellationToken aborted = context.RequestAborted;

            // One budget for every model, retry and wait of this request.
            using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(_settings.Config.Resilience.TotalTimeoutSeconds), _resilience.Time);
            using var requestToken = CancellationTokenSource.CreateLinkedTokenSource(aborted, budget.Token);
            bool answered = false;
            try
            {
                for (int attempt = 0, calls = 0; calls < _settings.Config.MaxAttempts && !failures.TimedOut; attempt++)
                {
                    UpstreamModel upstream;
                    if (execution is null)
                    {
                        if (attempt > 0)
                        {
                            break;
                        }

                        upstream = passthrough!;
                    }
                    else if (execution.TryGetNext(out RouteAttempt next))
                    {
                        upstream = _upstreamOfModel[next.ModelIndex]!;
                    }
                    else
                    {
                        break;
                    }

                    if (_resilience.CircuitOf(upstream.ModelId).IsOpen(_resilience.Time.GetUtcNow(), out TimeSpan remaining))
                    {
                        SkipOpenCircuit(upstream, remaining, execution, failures);
                        continue;
                    }

                    calls++;
                    if (await TryAttemptAsync(context, request, stream, upstream, attempt, execution, failures, routed, requestToken.Token, budget.Token).ConfigureAwait(false))
                    {
                        answered = true;
                        return true;
                    }
                }
            }
            finally
            {
                execution?.End(answered);
            }

            await WriteAllFailedAsync(context, failures).ConfigureAwait(false);
            return false;
        }

        private void SkipOpenCircuit(UpstreamModel upstream, TimeSpan remaining, RouteExecution? execution, AttemptFailures failures)
        {
            failures.AddCircuitOpen(FormattableString.Invariant($"{upstream.ModelId} (circuit open for {Math.Ceiling(remaining.TotalSeconds):0} s more)"), remaining);
            _logger.LogInformation("Upstream {Model} skipped: its circuit is open for {Seconds} s more.", upstream.ModelId, Math.Ceiling(remaining.TotalSeconds));
            if (execution is null)
            {
                _metrics.Routing.RecordUpstreamFailure(upstream.ModelId, "circuit_open");
            }
            else
            {
                execution.Fail("circuit_open");
            }
        }

        private static Task WriteAllFailedAsync(HttpContext context, AttemptFailures failures)
        {
            string tried = string.Join(", ", failures.Descriptions);
            if (failures.SoonestRetryAfterSeconds is long seconds && (failures.AllRateLimited || failures.AllCircuitsOpen) && !failures.TimedOut)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            if (failures.TimedOut)
            {
                return OpenAIError.WriteAsync(context, StatusCodes.Status504GatewayTimeout, $"No upstream answered within this proxy's total request timeout: {tried}.", "upstream_timeout", type: "upstream_error");
            }

            if (failures.AllCircuitsOpen)
            {
                // Every model that could take the request failed recently; Retry-After says when the first one is probed.
                return OpenAIError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, $"Every upstream for this request is failing and taken out for a cooldown: {tried}.", "upstream_circuit_open", type: "upstream_error");
            }

            if (failures.AllRateLimited)
            {
                // Every model that could take the request is rate-limited: say so, and when, as the upstreams did.
                return OpenAIError.WriteAsync(context, StatusCodes.Status429TooManyRequests, $"Every upstream tried for this request is rate-limited: {tried}.", "rate_limit_exceeded", type: "rate_limit_error");
            }

            return OpenAIError.WriteAsync(context, StatusCodes.Status502BadGateway, $"Every upstream tried for this request failed: {tried}.", "upstream_unavailable", type: "upstream_error");
        }

        // Sends the request to one upstream through its resilience pipeline (which retries it). True when its answer was
        // relayed; false (with the failure recorded) when the next attempt may take over, which is only ever the case
        // before anything was sent to the client.
        private async Task<bool> TryAttemptAsync(
            HttpContext context, JsonElement request, bool stream, UpstreamModel upstream, int attempt, RouteExecution? execution, AttemptFailures failures, RoutedHeaders? routed,
            CancellationToken requestToken, CancellationToken budget)
        {
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, upstream.Endpoint);
                var content = new ByteArrayContent(Serialize(request, upstream.UpstreamModelName));
                content.Headers.ContentType = JsonContentType;
                message.Content = content;
                if (upstream.ApiKey is not null)
                {
                    message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", upstream.ApiKey);
                }

                CancellationToken aborted = context.RequestAborted;
                long sent = Stopwatch.GetTimestamp();
                HttpResponseMessage? response = null;
                BufferedAnswer? buffered = null;
                StreamedAnswer? streamed = null;
                string? failure = null;
                try
                {
                    // The pipeline's attempt timeout bounds each try up to the response headers.
                    response = await _resilience.ClientFor(upstream.ModelId).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, requestToken).ConfigureAwait(false);
                    int status = (int)response.StatusCode;
                    if (status == StatusCodes.Status429TooManyRequests)
                    {
                        failure = "status_429";
                        failures.AddRateLimited(FormattableString.Invariant($"{upstream.ModelId} (HTTP 429)"), response.Headers.RetryAfter, _resilience.Time.GetUtcNow());
                    }
                    else if (status >= 500)
                    {
                        failure = "status_5xx";
                        failures.Add(FormattableString.Invariant($"{upstream.ModelId} (HTTP {status})"));
                    }
                    else if (!stream || !response.IsSuccessStatusCode)
                    {
                        // Read the whole answer before sending anything: until then a timeout can still fall back. The cap
                        // bounds the memory one answer can take, and the body gets the attempt timeout again.
                        using var bodyTimeout = CancellationTokenSource.CreateLinkedTokenSource(requestToken);
                        bodyTimeout.CancelAfter(upstream.Timeout);
                        await using Stream answer = await response.Content.ReadAsStreamAsync(bodyTimeout.Token).ConfigureAwait(false);
                        buffered = await BufferedAnswer.ReadAsync(answer, response.Content.Headers.ContentLength, _settings.Config.MaxUpstreamResponseBytes, bodyTimeout.Token).ConfigureAwait(false);
                        if (buffered is null)
                        {
                            failure = "response_too_large";
                            failures.Add(FormattableString.Invariant($"{upstream.ModelId} (answer larger than {_settings.Config.MaxUpstreamResponseBytes} bytes)"));
                        }
                    }
                    else
                    {
                        // Nothing goes to the client before the upstream's first bytes: one that sends its headers and
                        // then nothing still falls back.
                        streamed = await StreamedAnswer.StartAsync(response.Content, TimeSpan.FromSeconds(_settings.Config.Resilience.StreamIdleTimeoutSeconds), _resilience.Time, requestToken).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (streamed is null && response is not null && stream && !aborted.IsCancellationRequested && !budget.IsCancellationRequested)
                {
                    failure = "stream_idle";
                    failures.Add(FormattableString.Invariant($"{upstream.ModelId} (sent nothing for {_settings.Config.Resilience.StreamIdleTimeoutSeconds:0.###} s)"));
                }
                catch (BrokenCircuitException)
                {
                    // Opened by another request after this one looked, or half-open with its probe call in flight.
                    _resilience.CircuitOf(upstream.ModelId).IsOpen(_resilience.Time.GetUtcNow(), out TimeSpan remaining);
                    SkipOpenCircuit(upstream, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromSeconds(1), execution, failures);
                    return false;
                }
                catch (Exception e) when (e is TimeoutRejectedException || (e is OperationCanceledException && !aborted.IsCancellationRequested && !budget.IsCancellationRequested))
                {
                    failure = "timeout";
                    failures.Add(FormattableString.Invariant($"{upstream.ModelId} (no answer within {upstream.Timeout.TotalSeconds:0.###} s)"));
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    failure = "total_timeout";
                    failures.TimedOut = true;
                    failures.Add(FormattableString.Invariant($"{upstream.ModelId} (stopped at the total timeout of {_settings.Config.Resilience.TotalTimeoutSeconds:0.###} s)"));
                }
                catch (HttpRequestException e)
                {
                    failure = "connection";
                    failures.Add($"{upstream.ModelId} ({e.HttpRequestError})");
                }
                catch (IOException)
                {
                    // The upstream connection broke while the answer was being read.
                    failure = "connection";
                    failures.Add($"{upstream.ModelId} (connection broken)");
                }

                if (failure is not null)
                {
                    response?.Dispose();
                    _logger.LogWarning("Upstream {Model} failed: {Reason}", upstream.ModelId, failure);

                    // A routed request's execution counts the failure (and the fallback it leads to); a pass-through has none.
                    if (execution is null)
                    {
                        _metrics.Routing.RecordUpstreamFailure(upstream.ModelId, failure);
                    }
                    else
                    {
                        execution.Fail(failure);
                    }

                    return false;
                }

                using (response)
                using (buffered)
                await using (streamed)
                {
                    _metrics.UpstreamAnswered(upstream.ModelId, Stopwatch.GetElapsedTime(sent));
                    PassThroughHeaders(context, response!);
                    WriteRoutingHeaders(context, upstream.ModelId, routed, attempt, execution);
                    if (routed?.Remember is { } remember && execution?.Current is { } served)
                    {
                        await remember(served.ModelIndex).ConfigureAwait(false);
                    }

                    context.Response.StatusCode = (int)response!.StatusCode;
                    context.Response.ContentType = HeaderValues.PercentEncoded(response.Content.Headers.ContentType?.ToString() ?? "application/json");
                    if (buffered is not null)
                    {
                        context.Response.ContentLength = buffered.Length;
                        using SecretRedactor.Relay relay = _redactor.Start(context.Response.Body);
                        await buffered.WriteToAsync(relay, aborted).ConfigureAwait(false);
                        if (response.IsSuccessStatusCode)
                        {
                            ReportUsage(upstream, execution, UpstreamUsage.Read(buffered.AsSequence()));
                        }

                        return true;
                    }

                    await RelayStreamAsync(context, streamed!, upstream, execution, sent, aborted).ConfigureAwait(false);
                    return true;
                }
            }
        }

        // Tokens as the upstream reported them, and their list-price spend where the model has prices.
        private void ReportUsage(UpstreamModel upstream, RouteExecution? execution, UpstreamUsage usage)
        {
            if (!usage.IsKnown)
            {
                return;
            }

            if (execution is null)
            {
                _metrics.Routing.RecordTokens(upstream.ModelId, usage.PromptTokens, usage.CompletionTokens);
            }
            else
            {
                execution.ReportUsage(usage.PromptTokens, usage.CompletionTokens);
            }

            if (_settings.PriceOf(upstream.ModelId) is { } price)
            {
                _metrics.Spent(upstream.ModelId, price.SpendUsd(usage.PromptTokens ?? 0, usage.CompletionTokens ?? 0));
            }
        }

        private async Task RelayStreamAsync(HttpContext context, StreamedAnswer answer, UpstreamModel upstream, RouteExecution? execution, long sent, CancellationToken aborted)
        {
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            context.Response.Headers.CacheControl = "no-cache";
            using SecretRedactor.Relay relay = _redactor.Start(context.Response.Body);
            using var usage = new StreamUsageScanner();
            try
            {
                // Time to first token: from sending the request to the first bytes of the stream (just read).
                TimeSpan sinceSent = Stopwatch.GetElapsedTime(sent);
                if (execution is null)
                {
                    _metrics.Routing.RecordTimeToFirstToken(upstream.ModelId, sinceSent);
                }
                else
                {
                    execution.FirstUpdate(sinceSent);
                }

                for (int read = answer.FirstLength; read > 0; read = await answer.ReadAsync(aborted).ConfigureAwait(false))
                {
                    usage.Feed(answer.Chunk.AsSpan(0, read));
                    await relay.WriteAsync(answer.Chunk.AsMemory(0, read), aborted).ConfigureAwait(false);
                    await context.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
                }

                await relay.CompleteAsync(aborted).ConfigureAwait(false);
                ReportUsage(upstream, execution, usage.Usage);
            }
            catch (OperationCanceledException) when (answer.TimedOut && !aborted.IsCancellationRequested)
            {
                // Tokens were already relayed, so another model cannot take over: the stream ends with an error event in
                // OpenAI's shape and without [DONE] or a finish_reason, so a client cannot take it for a whole answer, and
                // the connection is closed after it. It ends cleanly rather than by an abort: an abort may drop the event.
                _metrics.Routing.RecordUpstreamFailure(upstream.ModelId, "stream_idle");
                _logger.LogWarning("Upstream {Model} sent nothing for {Seconds} s after its stream started; the stream to the client ends with an error event.", upstream.ModelId, answer.IdleTimeout.TotalSeconds);
                await relay.CompleteAsync(aborted).ConfigureAwait(false);
                await OpenAIError.WriteEventAsync(
                    context,
                    FormattableString.Invariant($"The upstream model '{upstream.ModelId}' sent nothing for {answer.IdleTimeout.TotalSeconds:0.###} s; the answer is incomplete."),
                    "stream_idle_timeout",
                    aborted).ConfigureAwait(false);
                context.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !aborted.IsCancellationRequested)
            {
                // Tokens were already relayed: restarting on another model would repeat or contradict them. Abort the
                // connection so the client sees a broken stream rather than a truncated answer that looks complete.
                _metrics.Routing.RecordUpstreamFailure(upstream.ModelId, "stream_broken");
                _logger.LogWarning("Upstream {Model} broke the stream after it started.", upstream.ModelId);
                context.Abort();
            }
        }

        // Framing and connection headers describe one hop (RFC 9110 section 7.6.1), and the proxy sets its own length,
        // type, date and server; everything else the upstream answered with (request ids, rate-limit state, processing
        // times) reaches the client, as LiteLLM-style gateways do. Routing headers are the proxy's and are written after.
        private static readonly HashSet<string> NotPassedThrough = new(StringComparer.OrdinalIgnoreCase)
        {
            "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "TE", "Trailer",
            "Transfer-Encoding", "Upgrade", "Content-Length", "Content-Type", "Content-Encoding", "Date", "Server", "Set-Cookie",
        };

        private void PassThroughHeaders(HttpContext context, HttpResponseMessage response)
        {
            IHeaderDictionary headers = context.Response.Headers;
            HashSet<string>? namedByConnection = null;
            foreach (string token in response.Headers.Connection)
            {
                (namedByConnection ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase)).Add(token);
            }

            foreach ((string name, IEnumerable<string> values) in response.Headers)
            {
                if (NotPassedThrough.Contains(name) || namedByConnection?.Contains(name) == true || name.StartsWith("x-routergen-", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                // An upstream that echoes its key in a header must not leak it, as in a body.
                headers[name] = values.Select(v => HeaderValues.PercentEncoded(_redactor.Redact(v))).ToArray();
            }
        }

        private static void WriteRoutingHeaders(HttpContext context, string model, RoutedHeaders? routed, int fallbacks, RouteExecution? execution)
        {
            IHeaderDictionary headers = context.Response.Headers;
            HeaderValues.Set(headers, ModelHeader, model);
            headers[FallbacksHeader] = fallbacks.ToString(CultureInfo.InvariantCulture);
            if (execution is { Failures.Count: > 0 })
            {
                // Why each model before this one did not answer: "premium:circuit_open, mid:status_5xx".
                HeaderValues.Set(headers, FailedAttemptsHeader, string.Join(", ", execution.Failures.Select(f => f.ModelId + ":" + f.Reason)));
            }

            if (routed is { } r)
            {
                headers[ClusterHeader] = r.Cluster < 0 ? "none" : r.Cluster.ToString(CultureInfo.InvariantCulture);
                if (r.ClusterLabel is not null)
                {
                    HeaderValues.Set(headers, ClusterLabelHeader, r.ClusterLabel);
                }

                HeaderValues.Set(headers, PresetHeader, r.Preset);
                if (r.Sticky is bool sticky)
                {
                    headers[StickyHeader] = sticky ? "true" : "false";
                }
            }
            else
            {
                headers[PresetHeader] = "none";
            }
        }

        // The client's body with only "model" replaced by the upstream's name; every other field passes through as sent.
        private static byte[] Serialize(JsonElement request, string upstreamModel)
        {
            var buffer = new ArrayBufferWriter<byte>(1024);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                foreach (JsonProperty property in request.EnumerateObject())
                {
                    if (property.NameEquals("model"))
                    {
                        json.WriteString("model", upstreamModel);
                    }
                    else
                    {
                        property.WriteTo(json);
                    }
                }

                json.WriteEndObject();
            }

            return buffer.WrittenSpan.ToArray();
        }

        /// <summary>
        /// The text the router sees: the last user message (the turn to answer now; system prompts are shared by every
        /// request and would pull all prompts toward one centroid). Text parts of multi-part content are joined.
        /// </summary>
        internal static string RoutingText(JsonElement messages)
        {
            JsonElement? lastUser = null;
            JsonElement last = default;
            foreach (JsonElement message in messages.EnumerateArray())
            {
                last = message;
                if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out JsonElement role) && role.ValueKind == JsonValueKind.String && role.ValueEquals("user"u8))
                {
                    lastUser = message;
                }
            }

            JsonElement chosen = lastUser ?? last;
            return chosen.ValueKind == JsonValueKind.Object && chosen.TryGetProperty("content", out JsonElement content) ? ContentText(content) : "";
        }

        private static string ContentText(JsonElement content)
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                return content.GetString()!;
            }

            if (content.ValueKind != JsonValueKind.Array)
            {
                return "";
            }

            var joined = new StringBuilder();
            foreach (JsonElement part in content.EnumerateArray())
            {
                if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && type.ValueEquals("text"u8) &&
                    part.TryGetProperty("text", out JsonElement text) && text.ValueKind == JsonValueKind.String)
                {
                    if (joined.Length > 0)
                    {
                        joined.Append('\n');
                    }

                    joined.Append(text.GetString());
                }
            }

            return joined.ToString();
        }

        // Returns null when the body exceeds the limit. The buffer is rented; the caller returns it.
        private static async Task<(byte[]? Body, int Length)> ReadBodyAsync(HttpContext context, long limit)
        {
            if (context.Request.ContentLength > limit)
            {
                return (null, 0);
            }

            byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, context.Request.ContentLength ?? 4096) + 1);
            int length = 0;
            try
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, (long)buffer.Length * 2));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    int read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return (buffer, length);
                    }

                    length += read;
                    if (length > limit)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = [];
                        await DrainAsync(context).ConfigureAwait(false);
                        return (null, 0);
                    }
                }
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return (null, 0);
            }
        }

        // A body without a declared length that turns out too large is read on (and discarded) up to Kestrel's bound of
        // twice the limit before the 413 goes out: closing a socket with unread data resets the connection, and the client
        // would then see a network error instead of the 413. Larger bodies still get the 413 with the connection closed.
        private static async Task DrainAsync(HttpContext context)
        {
            try
            {
                await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted).ConfigureAwait(false);
            }
            catch (BadHttpRequestException)
            {
                context.Response.Headers.Connection = "close";
            }
        }

        private readonly record struct RoutedHeaders(int Cluster, string? ClusterLabel, string Preset, bool? Sticky, Func<int, ValueTask>? Remember = null);
    }
}
