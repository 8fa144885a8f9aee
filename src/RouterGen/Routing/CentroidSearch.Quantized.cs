using System;
using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RouterGen.Routing
{
    // The nearest-centroid search over half-precision and int8 rows (QuantizedCentroids): the float32 search's eight-row
    // kernels, with the rows' numbers widened to float in registers, so the bytes read per number are two or one
    // instead of four.
    public static partial class CentroidSearch
    {
        /// <summary>
        /// 2^112: a half's exponent and mantissa bits shifted into a float's place (bits 27..13) read as a float 2^-112
        /// times the half's value, exactly, for every normal half and zero (the quantizer writes no subnormal half). The
        /// search multiplies the query by 2^112 once instead of every widened number by it.
        /// </summary>
        internal static readonly float HalfWideningScale = MathF.ScaleB(1f, 112);

        // Rows this long or shorter are widened on the stack by the per-row paths; longer ones into a rented array.
        private const int StackRowDimension = 1024;

        /// <summary>
        /// The similarity of a unit query (already multiplied by <see cref="HalfWideningScale"/> for half precision) with
        /// every row of <paramref name="centroids"/> (int8 dot products times their row scales), into the first
        /// <see cref="QuantizedCentroids.PaddedClusterCount"/> entries of <paramref name="dots"/> (the padding rows' are 0).
        /// </summary>
        internal static void QuantizedDots(QuantizedCentroids centroids, ReadOnlySpan<float> query, KernelWidth width, Span<float> dots)
        {
            int dimension = centroids.Dimension;
            bool half = centroids.Precision == CentroidPrecision.Float16;
            bool wide = width == KernelWidth.Vector512 && Avx512F.IsSupported && dimension >= Vector512<float>.Count;
            if (wide || (width != KernelWidth.PerRow && Avx2.IsSupported && dimension >= Vector256<float>.Count))
            {
                if (half)
                {
                    DotPasses<HalfNumbers, short>(centroids, wide, query, dots);
                }
                else
                {
                    DotPasses<Int8Numbers, sbyte>(centroids, wide, query, dots);
                }

                return;
            }

            // One row at a time: the library's span conversion into a float row (TensorPrimitives.ConvertToSingle is what
            // .NET 10 offers for halves: there is no Vector256<Half> nor an F16C intrinsic), then its dot product.
            float[]? rented = dimension > StackRowDimension ? ArrayPool<float>.Shared.Rent(dimension) : null;
            Span<float> row = rented is null ? stackalloc float[dimension] : rented.AsSpan(0, dimension);
            ReadOnlySpan<float> scales = centroids.Scales;
            dots[..centroids.PaddedClusterCount].Clear();
            for (int cluster = 0; cluster < centroids.ClusterCount; cluster++)
            {
                if (half)
                {
                    TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(centroids.Bytes).Slice(cluster * dimension, dimension), row);
                    dots[cluster] = TensorPrimitives.Dot(row, query) / HalfWideningScale;
                }
                else
                {
                    TensorPrimitives.ConvertTruncating(MemoryMarshal.Cast<byte, sbyte>(centroids.Bytes).Slice(cluster * dimension, dimension), row);
                    dots[cluster] = TensorPrimitives.Dot(row, query) * scales[cluster];
                }
            }

            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }

        // Whole passes of eight rows: the storage is padded with zero rows (and zero scales) to a multiple of eight.
        private static void DotPasses<TRow, TNumber>(QuantizedCentroids centroids, bool wide, ReadOnlySpan<float> query, Span<float> dots)
            where TRow : struct, IRowNumbers<TNumber>
        {
            int dimension = centroids.Dimension;
            ref TNumber rows = ref Unsafe.As<byte, TNumber>(ref centroids.FirstByte);
            ref float q = ref MemoryMarshal.GetReference(query);
            ref float scales = ref centroids.FirstScale;
            ref float d = ref MemoryMarshal.GetReference(dots[..centroids.PaddedClusterCount]);
            bool scaled = centroids.Precision == CentroidPrecision.Int8;
            for (int cluster = 0; cluster < centroids.PaddedClusterCount; cluster += RowsPerPass)
            {
                ref TNumber first = ref Unsafe.Add(ref rows, cluster * dimension);
                Vector256<float> eight = wide ? Dot8Vector512<TRow, TNumber>(ref first, dimension, ref q) : Dot8Vector256<TRow, TNumber>(ref first, dimension, ref q);
                if (scaled)
                {
                    eight *= Vector256.LoadUnsafe(ref scales, (nuint)cluster);
                }

                eight.StoreUnsafe(ref d, (nuint)cluster);
            }
        }
    }

    /// <summary>How the eight-row kernels read 16, 8 or 1 of a row's numbers as floats (a static operator struct per storage).</summary>
    internal interface IRowNumbers<TNumber>
    {
        /// <summary>Numbers <paramref name="index"/> to <paramref name="index"/> + 15 (512-bit path).</summary>
        static abstract Vector512<float> Load16(ref TNumber row, int index);

        /// <summary>Numbers <paramref name="index"/> to <paramref name="index"/> + 7 (256-bit path).</summary>
        static abstract Vector256<float> Load8(ref TNumber row, int index);

        /// <summary>Number <paramref name="index"/> (the tail of a dimension that is not a multiple of the vector width).</summary>
        static abstract float Load1(ref TNumber row, int index);
    }

    /// <summary>float32 rows: plain loads.</summary>
    internal readonly struct SingleNumbers : IRowNumbers<float>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load16(ref float row, int index) => Vector512.LoadUnsafe(ref row, (nuint)index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load8(ref float row, int index) => Vector256.LoadUnsafe(ref row, (nuint)index);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Load1(ref float row, int index) => Unsafe.Add(ref row, index);
    }

    /// <summary>
    /// Half-precision bits: sign-extend the 16 bits to 32 (vpmovsxwd), shift left by 13 and keep the sign bit and bits
    /// 27..13 — the float 2^-112 times the half (see <see cref="CentroidSearch.HalfWideningScale"/>). Three integer
    /// instructions per vector instead of a conversion .NET 10 does not expose.
    /// </summary>
    internal readonly struct HalfNumbers : IRowNumbers<short>
    {
        private const int SignExponentMantissa = unchecked((int)0x8FFFE000);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load16(ref short row, int index) =>
            (Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512Int32(Vector256.LoadUnsafe(ref row, (nuint)index)), 13) & Vector512.Create(SignExponentMantissa)).AsSingle();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load8(ref short row, int index) =>
            (Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref row, (nuint)index)), 13) & Vector256.Create(SignExponentMantissa)).AsSingle();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Load1(ref short row, int index) => BitConverter.Int32BitsToSingle((Unsafe.Add(ref row, index) << 13) & SignExponentMantissa);
    }

    /// <summary>
    /// int8 levels: sign-extend bytes to ints (vpmovsxbd) and convert to float; the row's scale multiplies the finished
    /// dot product once. Only the bytes used are loaded (8 for the 256-bit path), so the last row never reads past the storage.
    /// </summary>
    internal readonly struct Int8Numbers : IRowNumbers<sbyte>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load16(ref sbyte row, int index) =>
            Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref row, (nuint)index)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load8(ref sbyte row, int index) =>
            Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(
                Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref row, index)))).AsSByte()));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Load1(ref sbyte row, int index) => Unsafe.Add(ref row, index);
    }
}
