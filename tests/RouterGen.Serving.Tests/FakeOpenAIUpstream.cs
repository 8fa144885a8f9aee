using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RouterGen.Serving.Tests
{
    /// <summary>
    /// A small OpenAI-compatible chat completions server on loopback (a random port): answers
    /// "answer from &lt;model&gt;", streams it as three SSE chunks when asked, and records what it received. Per upstream
    /// model name it can be told to fail with a status or to answer late.
    /// </summary>
    public sealed class FakeOpenAIUpstream : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, int> _failWithStatus = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, string> _retryAfter = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, (string Name, string Value)[]> _extraHeaders = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, TimeSpan> _delay = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, (int Chunks, Task When)> _breakStreamAfter = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, (int Status, string[] Chunks)> _replies = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, (int Times, int Status, string? RetryAfter)> _failNext = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, int> _stallStreamAfter = new(StringComparer.Ordinal);

        private FakeOpenAIUpstream(WebApplication app)
        {
            _app = app;
        }

        /// <summary>Base URL including /v1, as an upstream entry of the proxy configuration wants it.</summary>
        public Uri BaseUrl { get; private set; } = null!;

        /// <summary>Every request received, in order of arrival (when <see cref="Record"/> is on).</summary>
        public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

        /// <summary>Record requests (off for load tests).</summary>
        public bool Record { get; set; } = true;

        /// <summary>The clock that stamps <see cref="ReceivedRequest.ReceivedAt"/> (the proxy's fake clock in resilience tests).</summary>
        public TimeProvider Clock { get; set; } = TimeProvider.System;

        public static async Task<FakeOpenAIUpstream> StartAsync()
        {
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            WebApplication app = builder.Build();
            var upstream = new FakeOpenAIUpstream(app);
            app.MapPost("/v1/chat/completions", upstream.HandleAsync);
            await app.StartAsync();
            upstream.BaseUrl = new Uri(app.Urls.First() + "/v1");
            return upstream;
        }

        /// <summary>Requests for <paramref name="upstreamModel"/> get this status with an error body (0 = answer normally).</summary>
        public void FailWith(string upstreamModel, int status) => _failWithStatus[upstreamModel] = status;

        /// <summary>Failures (as <see cref="FailWith(string, int)"/>) for <paramref name="upstreamModel"/> carry this Retry-After header value.</summary>
        public void FailWith(string upstreamModel, int status, string retryAfter)
        {
            _failWithStatus[upstreamModel] = status;
            _retryAfter[upstreamModel] = retryAfter;
        }

        /// <summary>The next <paramref name="times"/> requests for <paramref name="upstreamModel"/> fail with this status (and Retry-After); later ones are answered.</summary>
        public void FailNext(string upstreamModel, int times, int status, string? retryAfter = null) => _failNext[upstreamModel] = (times, status, retryAfter);

        /// <summary>Requests for <paramref name="upstreamModel"/> get this status and body, sent as these separately flushed chunks.</summary>
        public void ReplyWith(string upstreamModel, int status, params string[] chunks) => _replies[upstreamModel] = (status, chunks);

        /// <summary>Answers for <paramref name="upstreamModel"/> carry these response headers.</summary>
        public void AnswerWithHeaders(string upstreamModel, params (string Name, string Value)[] headers) => _extraHeaders[upstreamModel] = headers;

        /// <summary>Requests for <paramref name="upstreamModel"/> wait this long before answering.</summary>
        public void Delay(string upstreamModel, TimeSpan delay) => _delay[upstreamModel] = delay;

        /// <summary>
        /// Streams for <paramref name="upstreamModel"/> send this many chunks, wait for <paramref name="when"/> (for example,
        /// the client having read them), and then drop the connection.
        /// </summary>
        public void BreakStreamAfter(string upstreamModel, int chunks, Task when) => _breakStreamAfter[upstreamModel] = (chunks, when);

        /// <summary>Streams for <paramref name="upstreamModel"/> send their headers and this many chunks, then nothing until the caller goes away.</summary>
        public void StallStreamAfter(string upstreamModel, int chunks) => _stallStreamAfter[upstreamModel] = chunks;

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private async Task HandleAsync(HttpContext context)
        {
            string body;
            using (var reader = new System.IO.StreamReader(context.Request.Body, Encoding.UTF8))
            {
                body = await reader.ReadToEndAsync(context.RequestAborted);
            }

            JsonObject request = JsonNode.Parse(body)!.AsObject();
            string model = request["model"]!.GetValue<string>();
            bool stream = request["stream"]?.GetValue<bool>() == true;
            if (Record)
            {
                Received.Enqueue(new ReceivedRequest(model, body, context.Request.Headers.Authorization.ToString(), Clock.GetUtcNow()));
            }

            if (TakeFailure(model) is { } failNow)
            {
                await FailAsync(context, failNow.Status, failNow.RetryAfter);
                return;
            }

            if (_delay.TryGetValue(model, out TimeSpan delay))
            {
                try
                {
                    await Task.Delay(delay, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            if (_extraHeaders.TryGetValue(model, out (string Name, string Value)[]? extra))
            {
                foreach ((string name, string value) in extra)
                {
                    context.Response.Headers.Append(name, value);
                }
            }

            if (_replies.TryGetValue(model, out (int Status, string[] Chunks) reply))
            {
                context.Response.StatusCode = reply.Status;
                context.Response.ContentType = "application/json";
                foreach (string chunk in reply.Chunks)
                {
                    await context.Response.WriteAsync(chunk);
                    await context.Response.Body.FlushAsync();
                }

                return;
            }

            if (_failWithStatus.TryGetValue(model, out int status) && status != 0)
            {
                await FailAsync(context, status, _retryAfter.TryGetValue(model, out string? retryAfter) ? retryAfter : null);
                return;
            }

            string created = "1700000000";
            if (!stream)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(
                    "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion\",\"created\":" + created + ",\"model\":" + JsonSerializer.Serialize(model) +
                    ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + JsonSerializer.Serialize("answer from " + model) +
                    "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}");
                return;
            }

            context.Response.ContentType = "text/event-stream";
            string[] parts = ["answer ", "from ", model];
            for (int i = 0; i < parts.Length; i++)
            {
                if (_stallStreamAfter.TryGetValue(model, out int stallAfter) && i == stallAfter)
                {
                    await context.Response.Body.FlushAsync();
                    await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    return;
                }

                if (_breakStreamAfter.TryGetValue(model, out (int Chunks, Task When) breakAfter) && i == breakAfter.Chunks)
                {
                    await breakAfter.When.WaitAsync(TimeSpan.FromSeconds(30));
                    context.Abort();
                    return;
                }

                string delta = i == 0 ? "{\"role\":\"assistant\",\"content\":" + JsonSerializer.Serialize(parts[i]) + "}" : "{\"content\":" + JsonSerializer.Serialize(parts[i]) + "}";
                await context.Response.WriteAsync(
                    "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":" + created + ",\"model\":" + JsonSerializer.Serialize(model) +
                    ",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":null}]}\n\n");
                await context.Response.Body.FlushAsync();
            }

            await context.Response.WriteAsync(
                "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":" + created + ",\"model\":" + JsonSerializer.Serialize(model) +
                ",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
        }

        private (int Status, string? RetryAfter)? TakeFailure(string model)
        {
            lock (_failNext)
            {
                if (_failNext.TryGetValue(model, out (int Times, int Status, string? RetryAfter) next) && next.Times > 0)
                {
                    _failNext[model] = next with { Times = next.Times - 1 };
                    return (next.Status, next.RetryAfter);
                }
            }

            return null;
        }

        private static async Task FailAsync(HttpContext context, int status, string? retryAfter)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            if (retryAfter is not null)
            {
                context.Response.Headers.RetryAfter = retryAfter;
            }

            await context.Response.WriteAsync("{\"error\":{\"message\":\"fake upstream failure\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");
        }

        public sealed record ReceivedRequest(string Model, string Body, string Authorization, DateTimeOffset ReceivedAt);
    }

    internal static class InvariantText
    {
        public static string Of(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        public static CancellationToken Timeout(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;
    }
}
