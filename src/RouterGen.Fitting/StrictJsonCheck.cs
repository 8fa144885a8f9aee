using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Refuses, with the file, line and field, what <see cref="JsonDocument"/> accepts silently or fails on only when a
    /// string is read: invalid UTF-8 inside a string, escapes that decode to a lone surrogate (<c>"\ud800"</c>), and a
    /// key given twice in one object. After this check every string of the document can be read without an exception.
    /// </summary>
    /// <remarks>
    /// .NET 10's <c>JsonDocumentOptions.AllowDuplicateProperties = false</c> also refuses duplicate keys, but its
    /// exception names neither the key's path nor its line, and this walk must visit every key anyway.
    /// </remarks>
    internal static class StrictJsonCheck
    {
        /// <summary>Checks one JSON value; returns the line of each element of the top-level array or object.</summary>
        /// <param name="file">The file, for messages.</param>
        /// <param name="firstLine">The 1-based line <paramref name="json"/> starts on.</param>
        /// <param name="json">UTF-8 JSON without a byte-order mark.</param>
        /// <exception cref="DatasetException">The JSON is malformed or holds text that is not Unicode, or a duplicate key.</exception>
        public static IReadOnlyList<int> Check(string file, int firstLine, ReadOnlySpan<byte> json)
        {
            var topLevelLines = new List<int>();
            var scopes = new List<Scope>();
            var reader = new Utf8JsonReader(json);
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

                    if (token == JsonTokenType.PropertyName)
                    {
                        Scope owner = scopes[^1];
                        string key = Text(file, line, ref reader, Join(owner.Path, null), "a key");
                        string keyPath = Join(owner.Path, key);
                        if (!owner.KeyLines!.TryAdd(key, line))
                        {
                            throw new DatasetException(file, line, keyPath, $"duplicate key \"{key}\" (first on line {owner.KeyLines[key]}): each key may appear once per object.");
                        }

                        owner.PendingKey = key;
                        continue;
                    }

                    string path = scopes.Count == 0 ? "" : scopes[^1].NextPath();
                    if (scopes.Count == 1)
                    {
                        topLevelLines.Add(line);
                    }

                    switch (token)
                    {
                        case JsonTokenType.StartObject:
                            scopes.Add(new Scope(path, new Dictionary<string, int>(StringComparer.Ordinal)));
                            break;
                        case JsonTokenType.StartArray:
                            scopes.Add(new Scope(path, null));
                            break;
                        case JsonTokenType.String:
                            Text(file, line, ref reader, path, "the value");
                            break;
                    }
                }
            }
            catch (JsonException e)
            {
                throw new DatasetException(file, firstLine + (int)(e.LineNumber ?? 0), null, "malformed JSON: " + FirstSentence(e.Message));
            }

            return topLevelLines;
        }

        /// <summary>The message of a System.Text.Json exception without its "LineNumber: …" tail (the line is in our prefix).</summary>
        public static string FirstSentence(string message)
        {
            int at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            return at > 0 ? message[..at].TrimEnd() : message;
        }

        private static string Text(string file, int line, ref Utf8JsonReader reader, string path, string what)
        {
            if (!reader.ValueIsEscaped)
            {
                if (!Utf8.IsValid(reader.ValueSpan))
                {
                    throw new DatasetException(file, line, NullIfEmpty(path), $"{what} is not valid UTF-8.");
                }

                return reader.GetString()!;
            }

            try
            {
                return reader.GetString()!;
            }
            catch (InvalidOperationException e)
            {
                string problem = e.InnerException is DecoderFallbackException
                    ? "is not valid UTF-8."
                    : "holds an escape that decodes to a lone UTF-16 surrogate (such as \\ud800 without a low surrogate after it), which is not Unicode text.";
                throw new DatasetException(file, line, NullIfEmpty(path), $"{what} {problem}");
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
}
