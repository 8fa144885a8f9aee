using System;
using System.Buffers;
using System.Text.Json;

namespace RouterGen.Proxy
{
    /// <summary>
    /// The token usage an OpenAI-compatible upstream reports: <c>"usage": {"prompt_tokens", "completion_tokens"}</c> at the
    /// top level of a chat completion, or of the last chunk of a stream requested with
    /// <c>stream_options: {"include_usage": true}</c>.
    /// </summary>
    internal readonly record struct UpstreamUsage(long? PromptTokens, long? CompletionTokens)
    {
        public bool IsKnown => PromptTokens is not null || CompletionTokens is not null;

        /// <summary>The usage in a whole JSON answer, or nothing when it has none (or is not JSON: usage is a courtesy).</summary>
        public static UpstreamUsage Read(ReadOnlySequence<byte> json)
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            return Read(ref reader);
        }

        /// <inheritdoc cref="Read(ReadOnlySequence{byte})"/>
        public static UpstreamUsage Read(ReadOnlySpan<byte> json)
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            return Read(ref reader);
        }

        private static UpstreamUsage Read(ref Utf8JsonReader reader)
        {
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return default;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool isUsage = reader.ValueTextEquals("usage"u8);
                    reader.Read();
                    if (isUsage && reader.TokenType == JsonTokenType.StartObject)
                    {
                        return ReadUsageObject(ref reader);
                    }

                    reader.Skip();
                }
            }
            catch (JsonException)
            {
                // An answer that is not JSON is relayed as it is; it just reports no usage.
            }

            return default;
        }

        private static UpstreamUsage ReadUsageObject(ref Utf8JsonReader reader)
        {
            long? prompt = null;
            long? completion = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isPrompt = reader.ValueTextEquals("prompt_tokens"u8);
                bool isCompletion = !isPrompt && reader.ValueTextEquals("completion_tokens"u8);
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long count) && count >= 0)
                {
                    if (isPrompt)
                    {
                        prompt = count;
                    }
                    else if (isCompletion)
                    {
                        completion = count;
                    }
                }

                reader.Skip();
            }

            return new UpstreamUsage(prompt, completion);
        }
    }

    /// <summary>
    /// Watches a relayed server-sent-event stream for the chunk that carries <c>usage</c> (OpenAI sends it last, with
    /// empty <c>choices</c>). Only the current line is kept, up to <see cref="MaxLineBytes"/>; longer lines (large content
    /// deltas) are skipped, which a usage chunk never is.
    /// </summary>
    internal sealed class StreamUsageScanner : IDisposable
    {
        private const int MaxLineBytes = 16 * 1024;
        private byte[] _line = ArrayPool<byte>.Shared.Rent(1024);
        private int _length;
        private bool _tooLong;

        /// <summary>The last usage seen in the stream.</summary>
        public UpstreamUsage Usage { get; private set; }

        public void Feed(ReadOnlySpan<byte> chunk)
        {
            while (chunk.Length > 0)
            {
                int end = chunk.IndexOf((byte)'\n');
                ReadOnlySpan<byte> part = end < 0 ? chunk : chunk[..end];
                Append(part);
                if (end < 0)
                {
                    return;
                }

                EndLine();
                chunk = chunk[(end + 1)..];
            }
        }

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(_line);
            _line = [];
        }

        private void Append(ReadOnlySpan<byte> part)
        {
            if (_tooLong || part.IsEmpty)
            {
                return;
            }

            if (_length + part.Length > MaxLineBytes)
            {
                _tooLong = true;
                return;
            }

            if (_length + part.Length > _line.Length)
            {
                byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Min(MaxLineBytes, Math.Max(_line.Length * 2, _length + part.Length)));
                _line.AsSpan(0, _length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_line);
                _line = larger;
            }

            part.CopyTo(_line.AsSpan(_length));
            _length += part.Length;
        }

        private void EndLine()
        {
            ReadOnlySpan<byte> line = _line.AsSpan(0, _length).TrimEnd((byte)'\r');
            if (!_tooLong && line.StartsWith("data:"u8))
            {
                ReadOnlySpan<byte> data = line[5..].TrimStart((byte)' ');
                if (data.StartsWith("{"u8) && data.IndexOf("\"usage\""u8) >= 0 && UpstreamUsage.Read(data) is { IsKnown: true } usage)
                {
                    Usage = usage;
                }
            }

            _length = 0;
            _tooLong = false;
        }
    }
}
