using System;
using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RouterGen.Routing
{
    /// <summary>The nearest-centroid kernel shared by generated and runtime-loaded routers.</summary>
    public static class CentroidSearch
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

            int clusters = unitCentroids.Length / dimension;
            ref float centroids = ref MemoryMarshal.GetReference(unitCentroids);
            ref float e = ref MemoryMarshal.GetReference(embedding);
            int best = -1;
            float bestDot = float.NegativeInfinity;
            int cluster = 0;

            // Four centroids per pass share each load of the embedding: the search is bound by reading centroids,
            // so this keeps the loads for the data that must be read anyway.
            if (Vector512.IsHardwareAccelerated && dimension >= Vector512<float>.Count)
            {
                for (; cluster + 4 <= clusters; cluster += 4)
                {
                    Vector128<float> dots = Dot4Vector512(ref Unsafe.Add(ref centroids, cluster * dimension), dimension, ref e);
                    Take(dots, cluster, ref best, ref bestDot);
                }
            }
            else if (Vector256.IsHardwareAccelerated && dimension >= Vector256<float>.Count)
            {
                for (; cluster + 4 <= clusters; cluster += 4)
                {
                    Vector128<float> dots = Dot4Vector256(ref Unsafe.Add(ref centroids, cluster * dimension), dimension, ref e);
                    Take(dots, cluster, ref best, ref bestDot);
                }
            }

            for (; cluster < clusters; cluster++)
            {
                float dot = TensorPrimitives.Dot(unitCentroids.Slice(cluster * dimension, dimension), embedding);
                if (dot > bestDot)
                {
                    bestDot = dot;
                    best = cluster;
                }
            }

            similarity = best < 0 ? 0 : bestDot / norm;
            return best;
        }

        // Within these bounds the float sum of squares neither underflows nor overflows, and the dot products the
        // kernel ranks by keep full precision.
        private const float SmallestSafeNorm = 1e-15f;
        private const float LargestSafeNorm = 1e15f;

        // Rescaled copies this long or shorter live on the stack; longer ones are rented.
        private const int StackScaledDimension = 1024;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int NearestRescaled(ReadOnlySpan<float> unitCentroids, int dimension, ReadOnlySpan<float> embedding, out float similarity)
        {
            float largest = MathF.Abs(TensorPrimitives.MaxMagnitude(embedding));
            if (!(largest > 0) || !float.IsFinite(largest))
            {
                similarity = 0;
                return -1;
            }

            float[]? rented = dimension > StackScaledDimension ? ArrayPool<float>.Shared.Rent(dimension) : null;
            Span<float> scaled = rented is null ? stackalloc float[dimension] : rented.AsSpan(0, dimension);
            TensorPrimitives.Divide(embedding, largest, scaled);
            int cluster = Nearest(unitCentroids, dimension, scaled, out similarity);
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }

            return cluster;
        }

        /// <summary>
        /// The dot product of every row of <paramref name="rows"/> with <paramref name="x"/>, four rows per pass with the
        /// search's own kernels (the learned estimator's heads are rows like centroids; sharing each load of
        /// <paramref name="x"/> and four independent accumulators is what makes 24 heads cheap).
        /// </summary>
        internal static void DotRows(ReadOnlySpan<float> rows, ReadOnlySpan<float> x, Span<double> dots)
        {
            int dimension = x.Length;
            int count = rows.Length / dimension;
            ref float r = ref MemoryMarshal.GetReference(rows);
            ref float e = ref MemoryMarshal.GetReference(x);
            int row = 0;
            if (Vector512.IsHardwareAccelerated && dimension >= Vector512<float>.Count)
            {
                for (; row + 4 <= count; row += 4)
                {
                    Store(Dot4Vector512(ref Unsafe.Add(ref r, row * dimension), dimension, ref e), dots, row);
                }
            }
            else if (Vector256.IsHardwareAccelerated && dimension >= Vector256<float>.Count)
            {
                for (; row + 4 <= count; row += 4)
                {
                    Store(Dot4Vector256(ref Unsafe.Add(ref r, row * dimension), dimension, ref e), dots, row);
                }
            }

            for (; row < count; row++)
            {
                dots[row] = TensorPrimitives.Dot(rows.Slice(row * dimension, dimension), x);
            }
        }

        private static void Store(Vector128<float> four, Span<double> dots, int first)
        {
            dots[first] = four.GetElement(0);
            dots[first + 1] = four.GetElement(1);
            dots[first + 2] = four.GetElement(2);
            dots[first + 3] = four.GetElement(3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Take(Vector128<float> dots, int first, ref int best, ref float bestDot)
        {
            for (int i = 0; i < 4; i++)
            {
                float dot = dots.GetElement(i);
                if (dot > bestDot)
                {
                    bestDot = dot;
                    best = first + i;
                }
            }
        }

        // Two width-specific copies on purpose: .NET 10 has no public generic SIMD-vector interface to write one
        // kernel over Vector512 and Vector256, and the 256-bit path is what AVX2-only machines run.
        private static Vector128<float> Dot4Vector512(ref float rows, int dimension, ref float e)
        {
            ref float r0 = ref rows;
            ref float r1 = ref Unsafe.Add(ref rows, dimension);
            ref float r2 = ref Unsafe.Add(ref rows, 2 * dimension);
            ref float r3 = ref Unsafe.Add(ref rows, 3 * dimension);
            Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            int i = 0;
            for (; i + Vector512<float>.Count <= dimension; i += Vector512<float>.Count)
            {
                Vector512<float> x = Vector512.LoadUnsafe(ref e, (nuint)i);
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r0, (nuint)i), x, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r1, (nuint)i), x, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r2, (nuint)i), x, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r3, (nuint)i), x, a3);
            }

            float s0 = Vector512.Sum(a0), s1 = Vector512.Sum(a1), s2 = Vector512.Sum(a2), s3 = Vector512.Sum(a3);
            for (; i < dimension; i++)
            {
                float x = Unsafe.Add(ref e, i);
                s0 += Unsafe.Add(ref r0, i) * x;
                s1 += Unsafe.Add(ref r1, i) * x;
                s2 += Unsafe.Add(ref r2, i) * x;
                s3 += Unsafe.Add(ref r3, i) * x;
            }

            return Vector128.Create(s0, s1, s2, s3);
        }

        private static Vector128<float> Dot4Vector256(ref float rows, int dimension, ref float e)
        {
            ref float r0 = ref rows;
            ref float r1 = ref Unsafe.Add(ref rows, dimension);
            ref float r2 = ref Unsafe.Add(ref rows, 2 * dimension);
            ref float r3 = ref Unsafe.Add(ref rows, 3 * dimension);
            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            int i = 0;
            for (; i + Vector256<float>.Count <= dimension; i += Vector256<float>.Count)
            {
                Vector256<float> x = Vector256.LoadUnsafe(ref e, (nuint)i);
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, (nuint)i), x, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r1, (nuint)i), x, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r2, (nuint)i), x, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r3, (nuint)i), x, a3);
            }

            float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
            for (; i < dimension; i++)
            {
                float x = Unsafe.Add(ref e, i);
                s0 += Unsafe.Add(ref r0, i) * x;
                s1 += Unsafe.Add(ref r1, i) * x;
                s2 += Unsafe.Add(ref r2, i) * x;
                s3 += Unsafe.Add(ref r3, i) * x;
            }

            return Vector128.Create(s0, s1, s2, s3);
        }
    }
}
