using System;
using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RouterGen.Routing
{
    /// <summary>The nearest-centroid kernel shared by generated and runtime-loaded routers.</summary>
    public static partial class CentroidSearch
    {
        /// <summary>
        /// Finds the centroid with the highest cosine similarity to <paramref name="embedding"/>.
        /// </summary>
        /// <param name="unitCentroids">Unit-length centroids, row-major, <paramref name="dimension"/> floats per row.</param>
        /// <param name="dimension">Embedding dimension.</param>
        /// <param name="embedding">The prompt's embedding (any non-zero finite length, however small or large; it is not modified).</param>
        /// <param name="similarity">Cosine similarity to the chosen centroid; 0 when there is none.</param>
        /// <returns>The cluster index, or -1 when the embedding is zero or not finite (the caller falls back).</returns>
        public static int Nearest(ReadOnlySpan<float> unitCentroids, int dimension, ReadOnlySpan<float> embedding, out float similarity)
        {
            if (embedding.Length != dimension || dimension <= 0 || unitCentroids.Length % dimension != 0)
            {
                throw new ArgumentException($"Expected an embedding of length {dimension} and whole centroid rows.", nameof(embedding));
            }

            float norm = TensorPrimitives.Norm(embedding);
            if (!(norm >= SmallestSafeNorm && norm <= LargestSafeNorm))
            {
                // Zero, not finite, or finite but so small or large that the sum of squares under- or overflows
                // (an embedding of 1e-25s has a norm of 0 in float): rescale by the largest magnitude and search
                // with the copy, whose norm is between 1 and sqrt(dimension). Cosine similarity is scale-free.
                return NearestRescaled(unitCentroids, dimension, embedding, out similarity);
            }

            int best = Search(unitCentroids, dimension, embedding, PreferredWidth, out float bestDot);
            similarity = best < 0 ? 0 : bestDot / norm;
            return best;
        }

        /// <summary>
        /// The centroids most similar to <paramref name="embedding"/>, most similar first (equal similarities keep the lower
        /// index first), ranked from one pass of the search's eight-row kernel: the first is exactly <see cref="Nearest"/>'s
        /// cluster and similarity, and soft clusters blend the rest without scoring any centroid twice.
        /// </summary>
        /// <param name="unitCentroids">Unit-length centroids, row-major, <paramref name="dimension"/> floats per row.</param>
        /// <param name="dimension">Embedding dimension.</param>
        /// <param name="embedding">The prompt's embedding (as for <see cref="Nearest"/>; it is not modified).</param>
        /// <param name="nearest">Receives the cluster indices; its length is how many are wanted.</param>
        /// <param name="similarities">Receives their cosine similarities; at least as long as <paramref name="nearest"/>.</param>
        /// <returns>How many were written (the wanted count, or the cluster count if smaller), or 0 when the embedding is zero or not finite.</returns>
        public static int NearestClusters(ReadOnlySpan<float> unitCentroids, int dimension, ReadOnlySpan<float> embedding, Span<int> nearest, Span<float> similarities)
        {
            if (embedding.Length != dimension || dimension <= 0 || unitCentroids.Length % dimension != 0 || similarities.Length < nearest.Length)
            {
                throw new ArgumentException($"Expected an embedding of length {dimension}, whole centroid rows and a similarity for every index.", nameof(embedding));
            }

            float norm = TensorPrimitives.Norm(embedding);
            if (!(norm >= SmallestSafeNorm && norm <= LargestSafeNorm))
            {
                return NearestClustersRescaled(unitCentroids, dimension, embedding, nearest, similarities);
            }

            int count = MostSimilarRows(unitCentroids, embedding, nearest, similarities);
            // The same float division as Nearest's, so the first similarity is Nearest's bit for bit.
            TensorPrimitives.Divide(similarities[..count], norm, similarities[..count]);
            return count;
        }

        /// <summary>The widest kernel this CPU runs well (JIT-time constants, so the dispatch compiles away).</summary>
        internal static KernelWidth PreferredWidth =>
            Vector512.IsHardwareAccelerated ? KernelWidth.Vector512
            : Vector256.IsHardwareAccelerated ? KernelWidth.Vector256
            : KernelWidth.PerRow;

        /// <summary>
        /// The highest dot product of <paramref name="embedding"/> with a centroid row, using the kernel of
        /// <paramref name="width"/> (the tests force each one; <see cref="Nearest"/> passes <see cref="PreferredWidth"/>).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static int Search(ReadOnlySpan<float> unitCentroids, int dimension, ReadOnlySpan<float> embedding, KernelWidth width, out float bestDot)
        {
            int clusters = unitCentroids.Length / dimension;
            ref float centroids = ref MemoryMarshal.GetReference(unitCentroids);
            ref float e = ref MemoryMarshal.GetReference(embedding);
            int best = -1;
            bestDot = float.NegativeInfinity;
            int cluster = 0;

            // Eight centroids per pass share each load of the embedding: the search is bound by reading centroids, so
            // the only other load per eight row loads is the embedding's. Eight independent accumulators also cover the
            // FMA latency (4 cycles) at one or two FMAs per cycle.
            if (width == KernelWidth.Vector512 && Vector512.IsHardwareAccelerated && dimension >= Vector512<float>.Count)
            {
                for (; cluster + RowsPerPass <= clusters; cluster += RowsPerPass)
                {
                    Vector256<float> dots = Dot8Vector512<SingleNumbers, float>(ref Unsafe.Add(ref centroids, cluster * dimension), dimension, ref e);
                    Take(dots, cluster, ref best, ref bestDot);
                }
            }
            else if (width != KernelWidth.PerRow && Vector256.IsHardwareAccelerated && dimension >= Vector256<float>.Count)
            {
                for (; cluster + RowsPerPass <= clusters; cluster += RowsPerPass)
                {
                    Vector256<float> dots = Dot8Vector256<SingleNumbers, float>(ref Unsafe.Add(ref centroids, cluster * dimension), dimension, ref e);
                    Take(dots, cluster, ref best, ref bestDot);
                }
            }

            // The last (clusters mod 8) rows, or every row on the per-row path.
            for (; cluster < clusters; cluster++)
            {
                float dot = TensorPrimitives.Dot(unitCentroids.Slice(cluster * dimension, dimension), embedding);
                if (dot > bestDot)
                {
                    bestDot = dot;
                    best = cluster;
                }
            }

            return best;
        }

        internal const int RowsPerPass = 8;

        // Within these bounds the float sum of squares neither underflows nor overflows, and the dot products the
        // kernel ranks by keep full precision.
        private const float SmallestSafeNorm = 1e-15f;
        private const float LargestSafeNorm = 1e15f;

        // Rescaled copies this long or shorter live on the stack; longer ones are rented.
        private const int StackScaledDimension = 1024;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int NearestRescaled(ReadOnlySpan<float> unitCentroids, int dimension, ReadOnlySpan<float> embedding, out float similarity)
        {
            float[]? rented = dimension > StackScaledDimension ? ArrayPool<float>.Shared.Rent(dimension) : null;
            Span<float> scaled = rented is null ? stackalloc float[dimension] : rented.AsSpan(0, dimension);
            int cluster = -1;
            similarity = 0;
            if (ScaleByLargestMagnitude(embedding, scaled))
            {
                cluster = Nearest(unitCentroids, dimension, scaled, out similarity);
            }

            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }

            return cluster;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int NearestClustersRescaled(ReadOnlySpan<float> unitCentroids, int dimension, ReadOnlySpan<float> embedding, Span<int> nearest, Span<float> similarities)
        {
            float[]? rented = dimension > StackScaledDimension ? ArrayPool<float>.Shared.Rent(dimension) : null;
            Span<float> scaled = rented is null ? stackalloc float[dimension] : rented.AsSpan(0, dimension);
            int count = ScaleByLargestMagnitude(embedding, scaled) ? NearestClusters(unitCentroids, dimension, scaled, nearest, similarities) : 0;
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }

            return count;
        }

        // The embedding divided by its largest magnitude (a norm between 1 and sqrt(dimension)); false when it is zero or
        // not finite, which no centroid can be near.
        private static bool ScaleByLargestMagnitude(ReadOnlySpan<float> embedding, Span<float> scaled)
        {
            float largest = MathF.Abs(TensorPrimitives.MaxMagnitude(embedding));
            if (!(largest > 0) || !float.IsFinite(largest))
            {
                return false;
            }

            TensorPrimitives.Divide(embedding, largest, scaled);
            return true;
        }

        // Rows ranked this many at a time on the stack (4 KiB of floats); more are ranked in a rented array.
        internal const int StackRankedRows = 1024;

        // Every row's dot product with x in one DotRows pass, then the most similar by insertion into the caller's spans
        // (at most their length), most similar first; a later row replaces a kept one only when strictly more similar.
        private static int MostSimilarRows(ReadOnlySpan<float> rows, ReadOnlySpan<float> x, Span<int> nearest, Span<float> similarities)
        {
            int count = rows.Length / x.Length;
            float[]? rented = count > StackRankedRows ? ArrayPool<float>.Shared.Rent(count) : null;
            Span<float> dots = rented is null ? stackalloc float[count] : rented.AsSpan(0, count);
            DotRows(rows, x, dots);
            int kept = RankMostSimilar(dots, nearest, similarities);
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }

            return kept;
        }

        // The most similar rows by insertion into the caller's spans (at most their length), most similar first; a later
        // row replaces a kept one only when strictly more similar (float32 and quantized rows rank alike).
        internal static int RankMostSimilar(ReadOnlySpan<float> dots, Span<int> nearest, Span<float> similarities)
        {
            int count = dots.Length;
            int wanted = Math.Min(nearest.Length, count);
            int kept = 0;
            for (int row = 0; row < count; row++)
            {
                float dot = dots[row];
                if (kept == wanted && !(dot > similarities[wanted - 1]))
                {
                    continue;
                }

                int at = kept < wanted ? kept : wanted - 1;
                while (at > 0 && dot > similarities[at - 1])
                {
                    similarities[at] = similarities[at - 1];
                    nearest[at] = nearest[at - 1];
                    at--;
                }

                similarities[at] = dot;
                nearest[at] = row;
                kept = Math.Min(wanted, kept + 1);
            }

            return kept;
        }

        /// <summary>
        /// The dot product of every row of <paramref name="rows"/> with <paramref name="x"/>, eight rows per pass with the
        /// search's own kernels (the learned estimator's heads are rows like centroids; sharing each load of
        /// <paramref name="x"/> and eight independent accumulators is what makes 24 heads cheap).
        /// </summary>
        internal static void DotRows(ReadOnlySpan<float> rows, ReadOnlySpan<float> x, Span<float> dots)
        {
            int dimension = x.Length;
            int count = rows.Length / dimension;
            ref float r = ref MemoryMarshal.GetReference(rows);
            ref float e = ref MemoryMarshal.GetReference(x);
            ref float d = ref MemoryMarshal.GetReference(dots[..count]);
            int row = 0;
            if (Vector512.IsHardwareAccelerated && dimension >= Vector512<float>.Count)
            {
                for (; row + RowsPerPass <= count; row += RowsPerPass)
                {
                    Dot8Vector512<SingleNumbers, float>(ref Unsafe.Add(ref r, row * dimension), dimension, ref e).StoreUnsafe(ref d, (nuint)row);
                }
            }
            else if (Vector256.IsHardwareAccelerated && dimension >= Vector256<float>.Count)
            {
                for (; row + RowsPerPass <= count; row += RowsPerPass)
                {
                    Dot8Vector256<SingleNumbers, float>(ref Unsafe.Add(ref r, row * dimension), dimension, ref e).StoreUnsafe(ref d, (nuint)row);
                }
            }

            for (; row < count; row++)
            {
                dots[row] = TensorPrimitives.Dot(rows.Slice(row * dimension, dimension), x);
            }
        }

        /// <summary>As <see cref="DotRows(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>, widened to double (at most 64 rows: the learned estimator's heads).</summary>
        internal static void DotRows(ReadOnlySpan<float> rows, ReadOnlySpan<float> x, Span<double> dots)
        {
            int count = rows.Length / x.Length;
            Span<float> narrow = stackalloc float[count];
            DotRows(rows, x, narrow);
            TensorPrimitives.ConvertChecked<float, double>(narrow, dots[..count]);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Take(Vector256<float> dots, int first, ref int best, ref float bestDot)
        {
            // Most passes hold no new best: one vector compare skips the scalar walk.
            if (Vector256.GreaterThanAny(dots, Vector256.Create(bestDot)))
            {
                for (int i = 0; i < RowsPerPass; i++)
                {
                    float dot = dots.GetElement(i);
                    if (dot > bestDot)
                    {
                        bestDot = dot;
                        best = first + i;
                    }
                }
            }
        }

        // Two width-specific copies on purpose: .NET 10 has no public generic SIMD-vector interface to write one
        // kernel over Vector512 and Vector256, and the 256-bit path is what AVX2-only machines run. Each is generic over
        // how a row's numbers are stored (TRow: float32, half bits or int8, widened to float in registers), in the
        // TensorPrimitives operator-struct style: the JIT compiles one copy per storage with the load inlined. Loads are
        // unaligned instructions; with AlignedCentroids (or QuantizedCentroids) and a dimension that is a multiple of
        // 16 they never split a cache line.
        private static Vector256<float> Dot8Vector512<TRow, TNumber>(ref TNumber rows, int dimension, ref float e)
            where TRow : struct, IRowNumbers<TNumber>
        {
            ref TNumber r0 = ref rows;
            ref TNumber r1 = ref Unsafe.Add(ref rows, dimension);
            ref TNumber r2 = ref Unsafe.Add(ref rows, 2 * dimension);
            ref TNumber r3 = ref Unsafe.Add(ref rows, 3 * dimension);
            ref TNumber r4 = ref Unsafe.Add(ref rows, 4 * dimension);
            ref TNumber r5 = ref Unsafe.Add(ref rows, 5 * dimension);
            ref TNumber r6 = ref Unsafe.Add(ref rows, 6 * dimension);
            ref TNumber r7 = ref Unsafe.Add(ref rows, 7 * dimension);
            Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            int i = 0;
            for (; i + Vector512<float>.Count <= dimension; i += Vector512<float>.Count)
            {
                Vector512<float> x = Vector512.LoadUnsafe(ref e, (nuint)i);
                a0 = Vector512.FusedMultiplyAdd(TRow.Load16(ref r0, i), x, a0);
                a1 = Vector512.FusedMultiplyAdd(TRow.Load16(ref r1, i), x, a1);
                a2 = Vector512.FusedMultiplyAdd(TRow.Load16(ref r2, i), x, a2);
                a3 = Vector512.FusedMultiplyAdd(TRow.Load16(ref r3, i), x, a3);
                a4 = Vector512.FusedMultiplyAdd(TRow.Load16(ref r4, i), x, a4);
                a5 = Vector512.FusedMultiplyAdd(TRow.Load16(ref r5, i), x, a5);
                a6 = Vector512.FusedMultiplyAdd(TRow.Load16(ref r6, i), x, a6);
                a7 = Vector512.FusedMultiplyAdd(TRow.Load16(ref r7, i), x, a7);
            }

            // Halve to 256 bits first: the reduction then runs on the 256-bit path's code.
            Vector256<float> sums = Sum8(
                a0.GetLower() + a0.GetUpper(), a1.GetLower() + a1.GetUpper(), a2.GetLower() + a2.GetUpper(), a3.GetLower() + a3.GetUpper(),
                a4.GetLower() + a4.GetUpper(), a5.GetLower() + a5.GetUpper(), a6.GetLower() + a6.GetUpper(), a7.GetLower() + a7.GetUpper());
            return i < dimension ? sums + Tail8<TRow, TNumber>(ref rows, dimension, ref e, i) : sums;
        }

        private static Vector256<float> Dot8Vector256<TRow, TNumber>(ref TNumber rows, int dimension, ref float e)
            where TRow : struct, IRowNumbers<TNumber>
        {
            ref TNumber r0 = ref rows;
            ref TNumber r1 = ref Unsafe.Add(ref rows, dimension);
            ref TNumber r2 = ref Unsafe.Add(ref rows, 2 * dimension);
            ref TNumber r3 = ref Unsafe.Add(ref rows, 3 * dimension);
            ref TNumber r4 = ref Unsafe.Add(ref rows, 4 * dimension);
            ref TNumber r5 = ref Unsafe.Add(ref rows, 5 * dimension);
            ref TNumber r6 = ref Unsafe.Add(ref rows, 6 * dimension);
            ref TNumber r7 = ref Unsafe.Add(ref rows, 7 * dimension);
            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            int i = 0;
            for (; i + Vector256<float>.Count <= dimension; i += Vector256<float>.Count)
            {
                Vector256<float> x = Vector256.LoadUnsafe(ref e, (nuint)i);
                a0 = Vector256.FusedMultiplyAdd(TRow.Load8(ref r0, i), x, a0);
                a1 = Vector256.FusedMultiplyAdd(TRow.Load8(ref r1, i), x, a1);
                a2 = Vector256.FusedMultiplyAdd(TRow.Load8(ref r2, i), x, a2);
                a3 = Vector256.FusedMultiplyAdd(TRow.Load8(ref r3, i), x, a3);
                a4 = Vector256.FusedMultiplyAdd(TRow.Load8(ref r4, i), x, a4);
                a5 = Vector256.FusedMultiplyAdd(TRow.Load8(ref r5, i), x, a5);
                a6 = Vector256.FusedMultiplyAdd(TRow.Load8(ref r6, i), x, a6);
                a7 = Vector256.FusedMultiplyAdd(TRow.Load8(ref r7, i), x, a7);
            }

            Vector256<float> sums = Sum8(a0, a1, a2, a3, a4, a5, a6, a7);
            return i < dimension ? sums + Tail8<TRow, TNumber>(ref rows, dimension, ref e, i) : sums;
        }

        // The eight horizontal sums as one vector (lane j is the sum of aj's lanes). With AVX it is a horizontal-add
        // tree, 6 hadds, 2 lane permutes and an add for all eight, instead of eight separate reductions.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Sum8(
            Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
            Vector256<float> a4, Vector256<float> a5, Vector256<float> a6, Vector256<float> a7)
        {
            if (Avx.IsSupported)
            {
                // hadd(a, b) = a0+a1 a2+a3 b0+b1 b2+b3 | the same for the upper 128 bits.
                Vector256<float> s0123 = Avx.HorizontalAdd(Avx.HorizontalAdd(a0, a1), Avx.HorizontalAdd(a2, a3));
                Vector256<float> s4567 = Avx.HorizontalAdd(Avx.HorizontalAdd(a4, a5), Avx.HorizontalAdd(a6, a7));
                // Each 128-bit half now holds the four rows' sums over that half of the lanes: add the halves.
                return Avx.Permute2x128(s0123, s4567, 0x20) + Avx.Permute2x128(s0123, s4567, 0x31);
            }

            return Vector256.Create(
                Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3),
                Vector256.Sum(a4), Vector256.Sum(a5), Vector256.Sum(a6), Vector256.Sum(a7));
        }

        // Dimensions that are not a multiple of the vector width: the last few products of each row, one at a time.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static Vector256<float> Tail8<TRow, TNumber>(ref TNumber rows, int dimension, ref float e, int from)
            where TRow : struct, IRowNumbers<TNumber>
        {
            Span<float> tail = stackalloc float[RowsPerPass];
            for (int r = 0; r < RowsPerPass; r++)
            {
                ref TNumber row = ref Unsafe.Add(ref rows, r * dimension);
                float sum = 0;
                for (int i = from; i < dimension; i++)
                {
                    sum += TRow.Load1(ref row, i) * Unsafe.Add(ref e, i);
                }

                tail[r] = sum;
            }

            return Vector256.Create<float>(tail);
        }
    }

    /// <summary>Which copy of the nearest-centroid kernel runs.</summary>
    internal enum KernelWidth
    {
        /// <summary>Eight rows per pass with 512-bit vectors (AVX-512).</summary>
        Vector512,

        /// <summary>Eight rows per pass with 256-bit vectors (AVX2, or Arm64 as two 128-bit halves).</summary>
        Vector256,

        /// <summary>One row at a time with <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>.</summary>
        PerRow,
    }
}
