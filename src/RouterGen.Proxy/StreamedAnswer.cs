using System;
using System.Buffers;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace RouterGen.Proxy
{
    /// <summary>
    /// A streamed upstream answer read with an idle timeout: every read must return within it, so an upstream that keeps
    /// the connection open and sends nothing is given up on instead of holding the client forever. The first chunk is
    /// read before anything goes to the client, so an upstream that goes quiet before its first byte can still fall back
    /// to the next model. The timer runs on the proxy's <see cref="TimeProvider"/>, so tests step through it.
    /// </summary>
    internal sealed class StreamedAnswer : IAsyncDisposable
    {
        private const int ChunkBytes = 16 * 1024;

        private readonly Stream _source;
        private readonly CancellationTokenSource _idle;
        private CancellationToken _linkedFor;
        private CancellationTokenSource? _linked;

        private StreamedAnswer(Stream source, TimeSpan idleTimeout, TimeProvider time)
        {
            _source = source;
            IdleTimeout = idleTimeout;
            _idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
            Chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        }

        public TimeSpan IdleTimeout { get; }

        /// <summary>The buffer the last read filled.</summary>
        public byte[] Chunk { get; }

        /// <summary>Bytes of the first chunk in <see cref="Chunk"/> (0: the upstream ended the stream at once).</summary>
        public int FirstLength { get; private set; }

        /// <summary>True once a read waited longer than the idle timeout (that read threw an <see cref="OperationCanceledException"/>).</summary>
        public bool TimedOut => _idle.IsCancellationRequested;

        /// <summary>Opens the answer and reads its first chunk within the idle timeout.</summary>
        public static async Task<StreamedAnswer> StartAsync(HttpContent content, TimeSpan idleTimeout, TimeProvider time, CancellationToken cancellation)
        {
            Stream source = await content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
            var answer = new StreamedAnswer(source, idleTimeout, time);
            try
            {
                answer.FirstLength = await answer.ReadAsync(cancellation).ConfigureAwait(false);
                return answer;
            }
            catch
            {
                await answer.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>Reads the next chunk into <see cref="Chunk"/>; 0 at the end of the stream.</summary>
        public ValueTask<int> ReadAsync(CancellationToken cancellation)
        {
            if (_linked is null || _linkedFor != cancellation)
            {
                _linked?.Dispose();
                _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _idle.Token);
                _linkedFor = cancellation;
            }

            _idle.CancelAfter(IdleTimeout);
            return _source.ReadAsync(Chunk.AsMemory(0, ChunkBytes), _linked.Token);
        }

        public async ValueTask DisposeAsync()
        {
            _linked?.Dispose();
            _idle.Dispose();
            await _source.DisposeAsync().ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(Chunk);
        }
    }
}
