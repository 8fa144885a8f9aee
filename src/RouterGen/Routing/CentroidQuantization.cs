// Shared between the runtime and the source generator (linked source, netstandard2.0): the generator quantizes a
// profile's unit centroids into RVA data with these functions at build time and RouterProfile quantizes the same rows with
// them at load time, so a generated and a runtime-loaded router hold the same bits and decide identically.
using System;
using System.Runtime.InteropServices;

namespace RouterGen.Routing
{
    /// <summary>Reduced-precision encodings of unit centroids (see <see cref="CentroidPrecision"/>).</summary>
    public static class CentroidQuantization
    {
        /// <summary>The largest magnitude of an int8 centroid number (symmetric: -127..127, never -128).</summary>
        public const int Int8Levels = 127;

        /// <summary>
        /// The IEEE 754 half-precision bits nearest to <paramref name="value"/> (round to nearest, ties to even), with one
        /// exception: magnitudes below the smallest normal half (2^-14 ≈ 6.1e-5) become a signed zero. The kernels widen
        /// halves with one integer shift and one multiply, which is exact for normal halves and zero but would feed
        /// subnormal floats (a slow path on x86) for subnormal halves; the error this costs is at most 6.1e-5 per number of
        /// a unit centroid, the size of half's own rounding at 0.1. Values above half's largest finite value (65504) do not
        /// occur in unit rows; they saturate to it.
        /// </summary>
        public static ushort ToHalfBits(float value)
        {
            uint bits = SingleBits(value);
            ushort sign = (ushort)((bits >> 16) & 0x8000);
            uint magnitude = bits & 0x7FFFFFFF;
            if (magnitude < 0x38800000)
            {
                // Below 2^-14 (NaN never reaches here: the reader refuses it, and unit rows are finite).
                return sign;
            }

            if (magnitude >= 0x477FF000)
            {
                // 65520 and above round past half's largest finite value, 65504 (0x7BFF).
                return (ushort)(sign | 0x7BFF);
            }

            // Rebias the exponent (127 → 15) and round the 23-bit mantissa to 10 bits, ties to even; a carry out of the
            // mantissa correctly increments the exponent.
            uint rebased = magnitude - (112u << 23);
            uint lowest = (rebased >> 13) & 1;
            uint rounded = (rebased + 0x0FFF + lowest) >> 13;
            return (ushort)(sign | rounded);
        }

        /// <summary>The float value of half-precision bits written by <see cref="ToHalfBits"/> (normal, zero or the saturated maximum).</summary>
        public static float HalfBitsToSingle(ushort half)
        {
            uint sign = (uint)(half & 0x8000) << 16;
            uint magnitude = (uint)(half & 0x7FFF);
            if (magnitude == 0)
            {
                return SingleFromBits(sign);
            }

            if (magnitude < 0x0400)
            {
                // A subnormal half (not written by ToHalfBits, but decoded exactly): mantissa × 2^-24.
                float subnormal = magnitude * (1f / 16777216f);
                return sign == 0 ? subnormal : -subnormal;
            }

            return SingleFromBits(sign | ((magnitude << 13) + (112u << 23)));
        }

        /// <summary>
        /// Quantizes one unit centroid row to signed bytes with a symmetric per-row scale: scale = max |x| / 127, and each
        /// number becomes round(x / scale) (ties to even), so the row's largest magnitude maps exactly to ±127 and the
        /// dequantized number is q × scale. The largest magnitude (not a percentile) because a unit row has no outliers
        /// to clip, and its biggest components are the ones that decide its dot products. A zero row gets scale 0.
        /// </summary>
        /// <returns>The row's scale.</returns>
        public static float QuantizeInt8(float[] row, int offset, int length, sbyte[] destination, int destinationOffset)
        {
            float largest = 0;
            for (int i = 0; i < length; i++)
            {
                largest = Math.Max(largest, Math.Abs(row[offset + i]));
            }

            float scale = largest / Int8Levels;
            for (int i = 0; i < length; i++)
            {
                double level = scale > 0 ? Math.Round(row[offset + i] / (double)scale, MidpointRounding.ToEven) : 0;
                destination[destinationOffset + i] = (sbyte)Math.Max(-Int8Levels, Math.Min(Int8Levels, level));
            }

            return scale;
        }

        // netstandard2.0 has no BitConverter.SingleToUInt32Bits; an explicit-layout pair reinterprets without unsafe code.
        private static uint SingleBits(float value) => new SingleAndBits { Single = value }.Bits;

        private static float SingleFromBits(uint bits) => new SingleAndBits { Bits = bits }.Single;

        [StructLayout(LayoutKind.Explicit)]
        private struct SingleAndBits
        {
            [FieldOffset(0)]
            public float Single;

            [FieldOffset(0)]
            public uint Bits;
        }
    }
}
