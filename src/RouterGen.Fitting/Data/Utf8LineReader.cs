using System;
using System.IO;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Splits a UTF-8 stream into lines as bytes, so that the JSON of each line can be checked for invalid UTF-8 before
    /// anything decodes it (a <see cref="StreamReader"/> would replace bad bytes silently). A line's memory is valid until
    /// the next <see cref="TryRead"/>.
    /// </summary>
    internal sealed class Utf8LineReader(Stream stream, long maxLineBytes)
    {
        private byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;
        private bool _atEnd;

        /// <summary>
        /// True when the last line read was longer than the limit; its memory is then empty. The buffer grows to at most
        /// about twice the limit before the rest of such a line is skipped unread.
        /// </summary>
        public bool TooLong { get; private set; }

        /// <summary>Reads the next line without its line break (and a '\r' before it).</summary>
        public bool TryRead(out ReadOnlyMemory<byte> line)
        {
            TooLong = false;
            int searched = 0;
            while (true)
            {
                int newline = _buffer.AsSpan(_start + searched, _end - _start - searched).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    int length = searched + newline;
                    TooLong = length > maxLineBytes;
                    line = TooLong ? ReadOnlyMemory<byte>.Empty : Trim(_buffer.AsMemory(_start, length));
                    _start += length + 1;
                    return true;
                }

                searched = _end - _start;
                if (_atEnd)
                {
                    TooLong = searched > maxLineBytes;
                    line = TooLong ? ReadOnlyMemory<byte>.Empty : Trim(_buffer.AsMemory(_start, searched));
                    _start = _end;
                    return searched > 0;
                }

                if (searched > maxLineBytes)
                {
                    SkipRestOfLine();
                    TooLong = true;
                    line = ReadOnlyMemory<byte>.Empty;
                    return true;
                }

                Fill();
            }
        }

        private static ReadOnlyMemory<byte> Trim(ReadOnlyMemory<byte> line) =>
            line.Length > 0 && line.Span[^1] == (byte)'\r' ? line[..^1] : line;

        private void SkipRestOfLine()
        {
            _start = _end = 0;
            while (!_atEnd)
            {
                Fill();
                int newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    _start += newline + 1;
                    return;
                }

                _start = _end = 0;
            }
        }

        // Moves the unread bytes to the front, grows the buffer when they fill it, and reads more.
        private void Fill()
        {
            int unread = _end - _start;
            if (unread == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            else if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, unread);
            }

            _start = 0;
            _end = unread;
            int read = stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _atEnd = true;
            }

            _end += read;
        }
    }
}
