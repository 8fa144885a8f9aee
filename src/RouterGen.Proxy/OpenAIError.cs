using System;
using System.Buffers;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace RouterGen.Proxy
{
    /// <summary>Errors in OpenAI's JSON shape: <c>{"error":{"message","type","param","code"}}</c>, so SDKs surface them as usual.</summary>
    internal static class OpenAIError
    {
        public const string InvalidRequest = "invalid_request_error";

        public static Task WriteAsync(HttpContext context, int status, string message, string code, string? param = null, string type = InvalidRequest)
        {
            ArrayBufferWriter<byte> buffer = Body(message, code, param, type, prefix: default);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = buffer.WrittenCount;
            return context.Response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
        }

        /// <summary>
        /// The error as a server-sent event (<c>data: {"error":{...}}</c>), as OpenAI sends an error inside a stream that has
        /// started, and flushed.
        /// </summary>
        public static async Task WriteEventAsync(HttpContext context, string message, string code, CancellationToken cancellation)
        {
            ArrayBufferWriter<byte> buffer = Body(message, code, param: null, "upstream_error", prefix: "data: "u8);
            buffer.Write("\n\n"u8);
            await context.Response.Body.WriteAsync(buffer.WrittenMemory, cancellation).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(cancellation).ConfigureAwait(false);
        }

        private static ArrayBufferWriter<byte> Body(string message, string code, string? param, string type, ReadOnlySpan<byte> prefix)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            buffer.Write(prefix);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteStartObject("error");
                json.WriteString("message", message);
                json.WriteString("type", type);
                if (param is null)
                {
                    json.WriteNull("param");
                }
                else
                {
                    json.WriteString("param", param);
                }

                json.WriteString("code", code);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            return buffer;
        }
    }
}
