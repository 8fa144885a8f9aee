using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RouterGen.Routing
{
    /// <summary>
    /// Unit centroids copied once into memory that starts on a 64-byte boundary, so that every Vector512 (and Vector256)
    /// load of the nearest-centroid search is aligned whenever the dimension is a multiple of 16. A generated router
    /// copies its RVA data (which the C# compiler aligns only to 4 bytes) into one at type initialisation;
    /// <see cref="RouterProfile"/> normalises a loaded profile's centroids straight into one.
    /// </summary>
    /// <remarks>
    /// The storage is an over-allocated array on the pinned object heap: it never moves, so the aligned offset found
    /// once stays aligned, and the garbage collector frees it like any array (no native memory to release).
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class AlignedCentroids
    {
        /// <summary>The alignment of the first centroid, in bytes: one cache line, one Vector512.</summary>
        public const int Alignment = 64;

        private readonly float[] _storage;
        private readonly int _offset;
        private readonly int _length;

        private AlignedCentroids(int length)
        {
            _storage = GC.AllocateUninitializedArray<float>(length + (Alignment / sizeof(float)), pinned: true);
            nint address = Marshal.UnsafeAddrOfPinnedArrayElement(_storage, 0);
            int misalignment = (int)(address & (Alignment - 1));
            _offset = misalignment == 0 ? 0 : (Alignment - misalignment) / sizeof(float);
            _length = length;
        }

        /// <summary>No centroids (for a decision re-entered after the search).</summary>
        internal static AlignedCentroids Empty { get; } = new(0);

        /// <summary>The centroids, row-major, starting on a 64-byte boundary.</summary>
        public ReadOnlySpan<float> Rows =>
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_storage), _offset), _length);

        /// <summary>Copies unit centroids (for example a generated router's RVA data) into aligned memory.</summary>
        public static AlignedCentroids Copy(ReadOnlySpan<float> unitCentroids)
        {
            var aligned = new AlignedCentroids(unitCentroids.Length);
            unitCentroids.CopyTo(aligned.Writable);
            return aligned;
        }

        /// <summary>Aligned storage of <paramref name="length"/> floats for the caller to fill before it is shared.</summary>
        internal static AlignedCentroids Allocate(int length) => new(length);

        /// <summary>The storage while it is being filled; only the creator writes, before publishing the instance.</summary>
        internal Span<float> Writable => _storage.AsSpan(_offset, _length);
    }
}
