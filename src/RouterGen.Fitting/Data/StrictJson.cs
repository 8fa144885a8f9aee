using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Unicode;

namespace RouterGen.Json
{
    /// <summary>
    /// Finds, with its line and field, what <see cref="JsonDocument"/> accepts silently or fails on only when a string
    /// is read: invalid UTF-8, escapes that decode to a lone surrogate (<c>"\ud800"</c>), and a key given twice in one
    /// object. After a clean check every string and key of the document can be read without an exception.
    /// </summary>
    /// <remarks>
    /// One implementation for every JSON input a user or client controls: routing data (RouterGen.Fitting), the proxy's
    /// configuration and its requests (RouterGen.Proxy links this file). .NET 10's <c>AllowDuplicateProperties = false</c>
    /// refuses duplicate keys too, but its exception names neither the key's path nor its line, and this walk must visit
    /// every key anyway.
    /// </remarks>
    internal static class StrictJson
    {
        /// <summary>Checks one JSON value; returns null when it is clean.</summary>
        /// <param name="json">UTF-8 JSON without a byte-order mark.</param>
        /// <param name="firstLine">The 1-based line <paramref name="json"/> starts on.</param>
        /// <param name="options">Reader options (comments, trailing commas, depth) of the parser that reads it next.</param>
        /// <param name="topLevelLines">When given, receives the line of each element of the top-level array or object.</param>
        public static StrictJsonProblem? Check(ReadOnlySpan<byte> json, int firstLine = 1, JsonReaderOptions options = default, List<int>? topLevelLines = null)
        {
            var scopes = new List<Scope>();
            var reader = new Utf8JsonReader(json, options);
            int line = firstLine;
            int counted = 0;
            try
            {
                while (reader.Read())
                {
                    // Lines are counted incrementally: one pass over the bytes however many elements there are.
                    int start = (int)reader.TokenStartIndex;
                    line += json[counted..start].Count((byte)'\n');
                    counted = start;
                    JsonTokenType token = reader.TokenType;
                    if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
                    {
                        scopes.RemoveAt(scopes.Count - 1);
                        continue;
                    }

                    if (token == JsonTokenType.Comment)
                    {
                        continue;
                    }

                    if (token == JsonTokenType.PropertyName)
                    {
                        Scope owner = scopes[^1];
                        if (!TryRead(ref reader, out string? key, out string? problem))
                        {
                            return new StrictJsonProblem(line, NullIfEmpty(owner.Path), "a key " + problem);
                        }

                        string keyPath = Join(owner.Path, key);
                        if (!owner.KeyLines!.TryAdd(key!, line))
                        {
                            return new StrictJsonProblem(line, keyPath, $"duplicate key \"{key}\" (first on line {owner.KeyLines[key!]}): each key may appear once per object.");
                        }

                        owner.PendingKey = key;
                        continue;
                    }

                    string path = scopes.Count == 0 ? "" : scopes[^1].NextPath();
                    if (scopes.Count == 1)
                    {
                        topLevelLines?.Add(line);
                    }

                    switch (token)
                    {
                        case JsonTokenType.StartObject:
                            scopes.Add(new Scope(path, new Dictionary<string, int>(StringComparer.Ordinal)));
                            break;
                        case JsonTokenType.StartArray:
                            scopes.Add(new Scope(path, null));
                            break;
                        case JsonTokenType.String when !IsText(ref reader, out string? problem):
                            return new StrictJsonProblem(line, NullIfEmpty(path), "the value " + problem);
                    }
                }
            }
            catch (JsonException e)
            {
                return new StrictJsonProblem(firstLine + (int)(e.LineNumber ?? 0), null, "malformed JSON: " + FirstSentence(e.Message), Malformed: true);
            }

            return null;
        }

        /// <summary>The message of a System.Text.Json exception without its "LineNumber: …" tail (the line is in our prefix).</summary>
        public static string FirstSentence(string message)
        {
            int at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            return at > 0 ? message[..at].TrimEnd() : message;
        }

        private const string InvalidUtf8 = "is not valid UTF-8.";
        private const string LoneSurrogate = "holds an escape that decodes to a lone UTF-16 surrogate (such as \\ud800 without a low surrogate after it), which is not Unicode text.";

        private static bool TryRead(ref Utf8JsonReader reader, out string? text, out string? problem)
        {
            text = null;
            if (!IsText(ref reader, out problem))
            {
                return false;
            }

            text = reader.GetString();
            return true;
        }

        // Decodes into a pooled buffer only when the value has escapes: an unescaped value is valid once its bytes are.
        private static bool IsText(ref Utf8JsonReader reader, out string? problem)
        {
            problem = null;
            ReadOnlySpan<byte> raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
            if (!reader.ValueIsEscaped)
            {
                problem = Utf8.IsValid(raw) ? null : InvalidUtf8;
                return problem is null;
            }

            char[] decoded = ArrayPool<char>.Shared.Rent(raw.Length);
            try
            {
                reader.CopyString(decoded);
                return true;
            }
            catch (InvalidOperationException e)
            {
                problem = e.InnerException is System.Text.DecoderFallbackException ? InvalidUtf8 : LoneSurrogate;
                return false;
            }
            finally
            {
                ArrayPool<char>.Shared.Return(decoded);
            }
        }

        private static string Join(string parent, string? key) =>
            key is null ? parent : parent.Length == 0 ? key : parent + "." + key;

        private static string? NullIfEmpty(string path) => path.Length == 0 ? null : path;

        // An open object (with the lines of its keys so far) or array (with the index of its next element).
        private sealed class Scope(string path, Dictionary<string, int>? keyLines)
        {
            private int _nextIndex;

            public string Path { get; } = path;

            public Dictionary<string, int>? KeyLines { get; } = keyLines;

            public string? PendingKey { get; set; }

            public string NextPath() => KeyLines is null ? $"{Path}[{_nextIndex++}]" : Join(Path, PendingKey);
        }
    }

    /// <summary>What <see cref="StrictJson.Check"/> found: the 1-based line, the field (null for the whole value) and the problem.</summary>
    internal sealed record StrictJsonProblem(int Line, string? Field, string Problem, bool Malformed = false);
}
