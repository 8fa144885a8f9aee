using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace RouterGen.Proxy
{
    /// <summary>
    /// Masks the configured upstream API keys in whatever the proxy relays to clients or logs: every occurrence is
    /// overwritten with '*' of the same length, so lengths (and a relayed Content-Length) stay right. An upstream that
    /// echoes its key in an error body cannot leak it through the proxy.
    /// </summary>
    internal sealed class SecretRedactor
    {
        private readonly byte[][] _secrets;
        private readonly string[] _texts;

        public SecretRedactor(IEnumerable<string?> secrets)
        {
            _texts = secrets.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).Distinct(StringComparer.Ordinal).ToArray();
            _secrets = _texts.Select(Encoding.UTF8.GetBytes).ToArray();
        }

        /// <summary>The text with every secret masked (for log entries and messages).</summary>
        public string Redact(string text)
        {
            foreach (string secret in _texts)
            {
                text = text.Replace(secret, new string('*', secret.Length), StringComparison.Ordinal);
            }

            return text;
        }

        /// <summary>A relay of one response body to <paramref name="destination"/>, masking secrets across chunk boundaries.</summary>
        public Relay Start(Stream destination) => new(this, destination);

        private void Mask(Span<byte> data)
        {
            foreach (byte[] secret in _secrets)
            {
                int from = 0;
                int at;
                while ((at = data[from..].IndexOf(secret)) >= 0)
                {
                    data.Slice(from + at, secret.Length).Fill((byte)'*');
                    from += at + secret.Length;
                }
            }
        }

        // The length of the longest end of data that is the start of a secret: those bytes wait for the next chunk.
        private int HeldBack(ReadOnlySpan<byte> data)
        {
            int hold = 0;
            foreach (byte[] secret in _secrets)
            {
                for (int length = Math.Min(secret.Length - 1, data.Length); length > hold; length--)
                {
                    if (data.EndsWith(secret.AsSpan(0, length)))
                    {
                        hold = length;
                        break;
                    }
                }
            }

            return hold;
        }

        /// <summary>Writes chunks with secrets masked; bytes that may begin a secret are held until the next chunk or <see cref="CompleteAsync"/>.</summary>
        internal sealed class Relay : IDisposable
        {
            private readonly SecretRedactor _redactor;
            private readonly Stream _destination;
            private byte[] _pending = [];
            private int _pendingLength;

            public Relay(SecretRedactor redactor, Stream destination)
            {
                _redactor = redactor;
                _destination = destination;
            }

            public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellation)
            {
                if (_redactor._secrets.Length == 0)
                {
                    await _destination.WriteAsync(chunk, cancellation).ConfigureAwait(false);
                    return;
                }

                int total = _pendingLength + chunk.Length;
                if (_pending.Length < total)
                {
                    byte[] larger = ArrayPool<byte>.Shared.Rent(total);
                    _pending.AsSpan(0, _pendingLength).CopyTo(larger);
                    ReturnPending();
                    _pending = larger;
                }

                chunk.Span.CopyTo(_pending.AsSpan(_pendingLength));
                Span<byte> data = _pending.AsSpan(0, total);
                _redactor.Mask(data);
                int hold = _redactor.HeldBack(data);
                await _destination.WriteAsync(_pending.AsMemory(0, total - hold), cancellation).ConfigureAwait(false);
                _pending.AsSpan(total - hold, hold).CopyTo(_pending);
                _pendingLength = hold;
            }

            public async ValueTask CompleteAsync(CancellationToken cancellation)
            {
                if (_pendingLength > 0)
                {
                    await _destination.WriteAsync(_pending.AsMemory(0, _pendingLength), cancellation).ConfigureAwait(false);
                    _pendingLength = 0;
                }
            }

            public void Dispose() => ReturnPending();

            private void ReturnPending()
            {
                if (_pending.Length > 0)
                {
                    ArrayPool<byte>.Shared.Return(_pending);
                }

                _pending = [];
            }
        }
    }

    /// <summary>
    /// An upstream answer read whole, up to a cap, in pooled 64 KiB chunks: no large-object-heap array per answer, and
    /// the memory goes back to the pool when the answer has been relayed.
    /// </summary>
    internal sealed class BufferedAnswer : IDisposable
    {
        private const int ChunkBytes = 64 * 1024;
        private readonly List<byte[]> _chunks = [];

        private BufferedAnswer()
        {
        }

        /// <summary>Bytes read.</summary>
        public long Length { get; private set; }

        /// <summary>Reads the whole body, or returns null (having read no more than the cap) when it is larger than <paramref name="limit"/>.</summary>
        public static async Task<BufferedAnswer?> ReadAsync(Stream body, long? declaredLength, long limit, CancellationToken cancellation)
        {
            if (declaredLength > limit)
            {
                return null;
            }

            var answer = new BufferedAnswer();
            try
            {
                while (true)
                {
                    int used = (int)(answer.Length % ChunkBytes);
                    if (used == 0)
                    {
                        answer._chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkBytes));
                    }

                    int read = await body.ReadAsync(answer._chunks[^1].AsMemory(used, ChunkBytes - used), cancellation).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return answer;
                    }

                    answer.Length += read;
                    if (answer.Length > limit)
                    {
                        answer.Dispose();
                        return null;
                    }
                }
            }
            catch
            {
                answer.Dispose();
                throw;
            }
        }

        /// <summary>The bytes read, as one sequence over the chunks (no copy).</summary>
        public ReadOnlySequence<byte> AsSequence()
        {
            if (_chunks.Count <= 1)
            {
                return _chunks.Count == 0 ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_chunks[0], 0, (int)Length);
            }

            var first = new ChunkSegment(_chunks[0], 0);
            ChunkSegment last = first;
            long left = Length - ChunkBytes;
            for (int i = 1; i < _chunks.Count; i++)
            {
                int count = (int)Math.Min(left, ChunkBytes);
                last = last.Append(_chunks[i].AsMemory(0, count));
                left -= count;
            }

            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }

        /// <summary>Writes the answer through <paramref name="relay"/>.</summary>
        public async Task WriteToAsync(SecretRedactor.Relay relay, CancellationToken cancellation)
        {
            long left = Length;
            foreach (byte[] chunk in _chunks)
            {
                int count = (int)Math.Min(left, ChunkBytes);
                await relay.WriteAsync(chunk.AsMemory(0, count), cancellation).ConfigureAwait(false);
                left -= count;
            }

            await relay.CompleteAsync(cancellation).ConfigureAwait(false);
        }

        public void Dispose()
        {
            foreach (byte[] chunk in _chunks)
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            _chunks.Clear();
        }

        private sealed class ChunkSegment : ReadOnlySequenceSegment<byte>
        {
            public ChunkSegment(ReadOnlyMemory<byte> memory, long runningIndex)
            {
                Memory = memory;
                RunningIndex = runningIndex;
            }

            public ChunkSegment Append(ReadOnlyMemory<byte> memory)
            {
                var next = new ChunkSegment(memory, RunningIndex + Memory.Length);
                Next = next;
                return next;
            }
        }
    }
}
