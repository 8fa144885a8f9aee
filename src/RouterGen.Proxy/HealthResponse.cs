using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RouterGen.Proxy
{
    /// <summary>
    /// Health reports as JSON in the shape ASP.NET Core health check users know (that of the HealthChecks UI response
    /// writer): <c>{"status","totalDuration","entries":{name:{"status","description","duration","data","tags"}}}</c>.
    /// Written by hand with <see cref="Utf8JsonWriter"/>, so it needs no reflection (NativeAOT).
    /// </summary>
    internal static class HealthResponse
    {
        public static Task WriteAsync(HttpContext context, HealthReport report)
        {
            var buffer = new ArrayBufferWriter<byte>(1024);
            using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
            {
                json.WriteStartObject();
                json.WriteString("status", report.Status.ToString());
                json.WriteString("totalDuration", report.TotalDuration.ToString("c", CultureInfo.InvariantCulture));
                json.WriteStartObject("entries");
                foreach (KeyValuePair<string, HealthReportEntry> entry in report.Entries)
                {
                    json.WriteStartObject(entry.Key);
                    json.WriteString("status", entry.Value.Status.ToString());
                    if (entry.Value.Description is { } description)
                    {
                        json.WriteString("description", description);
                    }

                    json.WriteString("duration", entry.Value.Duration.ToString("c", CultureInfo.InvariantCulture));
                    json.WriteStartObject("data");
                    foreach (KeyValuePair<string, object> item in entry.Value.Data)
                    {
                        WriteValue(json, item.Key, item.Value);
                    }

                    json.WriteEndObject();
                    json.WriteStartArray("tags");
                    foreach (string tag in entry.Value.Tags)
                    {
                        json.WriteStringValue(tag);
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            context.Response.ContentType = "application/json";
            context.Response.Headers.CacheControl = "no-store";
            context.Response.ContentLength = buffer.WrittenCount;
            return context.Response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
        }

        private static void WriteValue(Utf8JsonWriter json, string name, object value)
        {
            switch (value)
            {
                case bool flag:
                    json.WriteBoolean(name, flag);
                    break;
                case int number:
                    json.WriteNumber(name, number);
                    break;
                case long number:
                    json.WriteNumber(name, number);
                    break;
                case double number:
                    json.WriteNumber(name, number);
                    break;
                default:
                    json.WriteString(name, Convert.ToString(value, CultureInfo.InvariantCulture));
                    break;
            }
        }
    }
}
