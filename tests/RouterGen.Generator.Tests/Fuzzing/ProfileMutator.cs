using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RouterGen.Generator.Tests.Fuzzing
{
    /// <summary>
    /// Seeded mutations of a profile's text: structural ones (a hostile string, number or shape in one field; a model id
    /// renamed consistently so the profile stays valid and the hostile id reaches the generated code) and textual ones
    /// (raw characters, escapes and JSON punctuation inserted, spans deleted or duplicated). Same seed, same inputs.
    /// </summary>
    internal static class ProfileMutator
    {
        // System.Text.Json cannot hold an unpaired surrogate in a string node; this marker becomes the escape "\ud800".
        private const string LoneSurrogateMarker = "@@LONE-SURROGATE@@";

        private const string Payload = "[global::System.Runtime.CompilerServices.ModuleInitializer] internal static void Injected() { }";

        private static readonly string[] HostileStrings =
        {
            "", " ", "\n", "line\nbreak", "a\r\nb", "x\u2028y", "x\u2029y", "x\u0085y", "rtl\u202Eltr", "zero\u200Bwidth", "\uFEFFbom",
            "nul\u0000", "del\u007F", "tab\tx", "</summary>", "<see cref=\"X\"/>", "&amp; &lt;", "\"", "\\", "\\\"", "*/", "/*", "//",
            "#error x", "{0}", "{{", "class", "file", "record", "scoped", "required", "var", "dynamic", "global", "__arglist", "Route",
            "Models", "ModelIndex", "Tables", "Presets", "Embedder", "System", "RouterGen", "Microsoft", "router", "Router",
            "TinyRouter", "Tinyrouter", "X", "_", "Ab", "A1", "1abc", "Acme.Routing", "Fixtures", "Fixtures.TinyRouter",
            "RouterGen.Routing", "a.b", ".", "A..B", "A.class.B", "\n" + Payload + "\n//", "\r" + Payload, "\u2028" + Payload,
            "x\uFFFE", "x\uFFFF", "emoji 😀", "é", "日本語", LoneSurrogateMarker, "cost-weighted", "shortfall", "mean", "cls",
            "float32", "float16", "int8", "max-quality", "Max-Quality", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
            new string('a', 63), new string('R', 128), new string('R', 129), new string('m', 256), new string('m', 257),
            new string('l', 1024), new string('l', 1025), new string('t', 4097),
        };

        private static readonly double[] HostileNumbers =
        {
            0, -0.0, -1, 1, 0.5, 2, 1.5, 3, 7, 8, 9, 1e-300, 1e300, double.Epsilon, 1024, 1025, 2048, 8192, 8193, 4096, 4097, 65,
            2147483647, 2147483648, 4294967295, 4294967296, -2147483649, 0.1 + 0.2,
        };

        // Raw text inserted anywhere: punctuation, escapes, literal control and separator characters, non-finite words.
        private static readonly string[] HostileTokens =
        {
            "\n", "\r", "\u2028", "\u0085", "\u0000", "\uFFFE", "\"", "\\", "{", "}", "[", "]", ",", ":", "\\n", "\\u2028",
            "\\ud800", "\\udc00", "\\uFFFE", "\\u0000", "\\x", "NaN", "Infinity", "-Infinity", "1e400", "-0", "01", "null",
            "true", "\"name\":\"X\",", "\"extra\":1,", "/*", "//", "\uD83D", "\"\\n" + Payload + "\"",
        };

        private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

        /// <summary>One mutated profile text: 1 to 3 mutations of <paramref name="seed"/>.</summary>
        public static string Mutate(string seed, Random random)
        {
            string text = seed;
            int mutations = 1 + random.Next(3);
            for (int i = 0; i < mutations; i++)
            {
                text = random.Next(4) == 0 ? MutateText(text, random) : TryMutateStructure(text, random) ?? MutateText(text, random);
            }

            return text;
        }

        private static string MutateText(string text, Random random)
        {
            if (text.Length == 0)
            {
                return Pick(HostileTokens, random);
            }

            int at = random.Next(text.Length);
            int span = Math.Min(text.Length - at, 1 + random.Next(40));
            return random.Next(5) switch
            {
                0 => text.Remove(at, span),
                1 => text.Insert(at, text.Substring(at, span)),
                2 => text.Remove(at, 1).Insert(at, ((char)random.Next(0x20, 0x7F)).ToString()),
                _ => text.Insert(at, Pick(HostileTokens, random)),
            };
        }

        // Null when System.Text.Json cannot hold the text (not JSON, duplicate keys, raw or escaped lone surrogates): earlier
        // text mutations make such inputs, and only text mutations apply to them.
        private static string? TryMutateStructure(string text, Random random)
        {
            try
            {
                return MutateStructure(text, random);
            }
            catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
            {
                return null;
            }
        }

        private static string MutateStructure(string text, Random random)
        {
            if (JsonNode.Parse(text) is not JsonObject profile)
            {
                return MutateText(text, random);
            }

            if (random.Next(3) == 0 || !MutateTargeted(profile, random))
            {
                MutateAnyNode(profile, random);
            }

            string json = profile.ToJsonString(random.Next(2) == 0 ? Indented : JsonSerializerOptions.Default);
            return json.Replace(LoneSurrogateMarker, "\\ud800", StringComparison.Ordinal);
        }

        // The fields whose strings reach generated code, mutated so the rest of the profile stays valid.
        private static bool MutateTargeted(JsonObject profile, Random random)
        {
            switch (random.Next(12))
            {
                case 10:
                    // The low-confidence margin: valid values most often (a linear or soft-cluster router then routes with
                    // it), the edges, out-of-range numbers and a wrong type.
                    if (profile["fallback"] is not JsonObject fallback)
                    {
                        return false;
                    }

                    fallback["lowConfidenceMargin"] = random.Next(6) switch
                    {
                        0 => JsonValue.Create(Pick(HostileStrings, random)),
                        1 => JsonValue.Create(Pick(new[] { -0.01, 1.0001, 0.0, 1.0 }, random)),
                        _ => JsonValue.Create(Math.Round(random.NextDouble() * 0.2, 4)),
                    };
                    return true;
                case 9:
                    // Every precision (valid ones most often, so mutations of a reduced-precision router compile and route
                    // too), a hostile string or a wrong type.
                    profile["centroidPrecision"] = random.Next(4) switch
                    {
                        0 => JsonValue.Create(Pick(HostileStrings, random)),
                        1 => JsonValue.Create(16),
                        _ => JsonValue.Create(Pick(new[] { "float32", "float16", "int8" }, random)),
                    };
                    return true;
                case 0:
                    profile["name"] = random.Next(3) == 0 ? Pick(HostileStrings, random) : "R" + Pick(HostileStrings, random);
                    return true;
                case 1:
                    profile["namespace"] = Pick(HostileStrings, random);
                    return true;
                case 2:
                    profile["description"] = Pick(HostileStrings, random);
                    return true;
                case 3:
                    return RenameModel(profile, random);
                case 4:
                    return SetInEach(profile["clusters"], random, "label");
                case 5:
                    return SetInEach(profile["clusters"], random, "id");
                case 6:
                    JsonObject provenance = profile["provenance"] as JsonObject ?? new JsonObject();
                    profile["provenance"] = provenance;
                    JsonObject metrics = provenance["heldOutMetrics"] as JsonObject ?? new JsonObject();
                    provenance["heldOutMetrics"] = metrics;
                    metrics[Pick(HostileStrings, random)] = random.NextDouble();
                    return true;
                case 7:
                    if (profile["embedder"]?["parameters"] is JsonObject parameters && profile["embedder"]?["kind"]?.GetValue<string>() == "onnx")
                    {
                        parameters[random.Next(2) == 0 ? "prefix" : "modelSha256"] = Pick(HostileStrings, random);
                        return true;
                    }

                    return false;
                case 8:
                    return SetInEach(profile["models"], random, "displayName");
                default:
                    return SetInEach(profile["presets"], random, "description");
            }
        }

        private static bool RenameModel(JsonObject profile, Random random)
        {
            if (profile["models"] is not JsonArray models || models.Count == 0 || models[random.Next(models.Count)] is not JsonObject model ||
                model["id"] is not JsonValue idValue || !idValue.TryGetValue(out string? oldId))
            {
                return false;
            }

            string newId = Pick(HostileStrings, random);
            model["id"] = newId;
            if (profile["fallback"] is JsonObject fallback && fallback["model"]?.GetValueKind() == JsonValueKind.String && fallback["model"]!.GetValue<string>() == oldId)
            {
                fallback["model"] = newId;
            }

            foreach (JsonObject stats in (profile["clusters"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Select(c => c["stats"]).OfType<JsonObject>())
            {
                if (stats[oldId] is JsonNode entry && !stats.ContainsKey(newId))
                {
                    stats.Remove(oldId);
                    stats[newId] = entry;
                }
            }

            return true;
        }

        private static bool SetInEach(JsonNode? array, Random random, string field)
        {
            if (array is not JsonArray items || items.Count == 0)
            {
                return false;
            }

            foreach (JsonObject item in items.OfType<JsonObject>().Where(_ => random.Next(2) == 0))
            {
                item[field] = Pick(HostileStrings, random);
            }

            return true;
        }

        private static void MutateAnyNode(JsonObject profile, Random random)
        {
            var containers = new List<JsonNode>();
            Collect(profile, containers);
            JsonNode container = containers[random.Next(containers.Count)];
            if (container is JsonObject obj && obj.Count > 0)
            {
                string key = obj.ElementAt(random.Next(obj.Count)).Key;
                switch (random.Next(6))
                {
                    case 0:
                        obj.Remove(key);
                        break;
                    case 1:
                        JsonNode? moved = obj[key];
                        obj.Remove(key);
                        string renamed = Pick(HostileStrings, random);
                        if (!obj.ContainsKey(renamed))
                        {
                            obj[renamed] = moved;
                        }

                        break;
                    default:
                        obj[key] = Replacement(obj[key], random);
                        break;
                }
            }
            else if (container is JsonArray array && array.Count > 0)
            {
                int index = random.Next(array.Count);
                switch (random.Next(5))
                {
                    case 0:
                        array.RemoveAt(index);
                        break;
                    case 1:
                        array.Add(array[index]?.DeepClone());
                        break;
                    default:
                        array[index] = Replacement(array[index], random);
                        break;
                }
            }
        }

        private static JsonNode? Replacement(JsonNode? node, Random random)
        {
            if (random.Next(6) == 0)
            {
                return random.Next(4) switch { 0 => null, 1 => JsonValue.Create(true), 2 => new JsonArray(), _ => new JsonObject() };
            }

            return node?.GetValueKind() switch
            {
                JsonValueKind.String => JsonValue.Create(Pick(HostileStrings, random)),
                JsonValueKind.Number => JsonValue.Create(Pick(HostileNumbers, random) * (random.Next(4) == 0 ? -1 : 1)),
                _ => random.Next(2) == 0 ? JsonValue.Create(Pick(HostileStrings, random)) : JsonValue.Create(Pick(HostileNumbers, random)),
            };
        }

        private static void Collect(JsonNode node, List<JsonNode> containers)
        {
            containers.Add(node);
            IEnumerable<JsonNode?> children = node switch
            {
                JsonObject o => o.Select(p => p.Value),
                JsonArray a => a,
                _ => Enumerable.Empty<JsonNode?>(),
            };

            // Long number arrays (centroids) are one container, not hundreds.
            foreach (JsonNode? child in children)
            {
                if (child is JsonObject || (child is JsonArray a && a.Count > 0 && a[0] is not JsonValue))
                {
                    Collect(child, containers);
                }
                else if (child is JsonArray numbers)
                {
                    containers.Add(numbers);
                }
            }
        }

        private static T Pick<T>(T[] values, Random random) => values[random.Next(values.Length)];

        /// <summary>For reports: the first characters of an input, escaped so the report is one line.</summary>
        public static string Preview(string text, int length = 300)
        {
            var s = new StringBuilder();
            foreach (char c in text.Take(length))
            {
                s.Append(c < ' ' || c > '~' ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString());
            }

            return s.ToString();
        }
    }
}
