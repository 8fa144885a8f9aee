using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace RouterGen.Onnx.TestModels
{
    /// <summary>
    /// The protobuf wire format, just as much of it as ONNX models need: varints, length-delimited fields and
    /// nested messages. Nested messages are written to their own buffer first because their length prefixes them.
    /// </summary>
    public sealed class ProtoWriter
    {
        private const int Varint = 0;
        private const int LengthDelimited = 2;
        private const int Fixed32 = 5;

        private readonly MemoryStream _stream = new();

        public void WriteInt64(int field, long value)
        {
            WriteTag(field, Varint);
            WriteVarint(unchecked((ulong)value));
        }

        public void WriteFloat(int field, float value)
        {
            WriteTag(field, Fixed32);
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
            _stream.Write(bytes);
        }

        public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

        public void WriteBytes(int field, ReadOnlySpan<byte> value)
        {
            WriteTag(field, LengthDelimited);
            WriteVarint((ulong)value.Length);
            _stream.Write(value);
        }

        public void WritePackedInt64(int field, ReadOnlySpan<long> values)
        {
            var inner = new ProtoWriter();
            foreach (long v in values)
            {
                inner.WriteVarint(unchecked((ulong)v));
            }

            WriteBytes(field, inner.ToArray());
        }

        public void WriteMessage(int field, Action<ProtoWriter> write)
        {
            var inner = new ProtoWriter();
            write(inner);
            WriteBytes(field, inner._stream.GetBuffer().AsSpan(0, (int)inner._stream.Length));
        }

        public byte[] ToArray() => _stream.ToArray();

        private void WriteTag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

        private void WriteVarint(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            _stream.WriteByte((byte)value);
        }
    }
}
