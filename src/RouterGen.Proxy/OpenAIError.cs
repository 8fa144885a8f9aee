using System.Buffers;
using System.Text.Json;
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
            var buffer = new ArrayBufferWriter<byte>(256);
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

            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = buffer.WrittenCount;
            return context.Response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
        }
    }
}
