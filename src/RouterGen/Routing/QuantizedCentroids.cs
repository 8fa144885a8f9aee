using System;
using System.Buffers;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RouterGen.Routing
{
    /// <summary>
    /// Unit centroids stored in half precision or as int8 with a scale per centroid (<see cref="CentroidPrecision"/>), in
    /// memory that starts on a 64-byte boundary, with the rows padded with zero rows to a whole number of the search's
    /// eight-row passes. A generated router copies its RVA data into one at type initialisation; <see cref="RouterProfile"/>
    /// quantizes a loaded profile's unit centroids into one with <see cref="CentroidQuantization"/> — the same functions
    /// the generator ran — so both search the same bits.
    /// </summary>
    /// <remarks>
    /// The search reads two (half) or one (int8) byte per number instead of four. Storage is an over-allocated byte array
    /// on the pinned object heap, as in <see cref="AlignedCentroids"/>.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class QuantizedCentroids
    {
        private readonly byte[] _storage;
        private readonly int _offset;
        private readonly float[] _scales;

        private QuantizedCentroids(CentroidPrecision precision, int dimension, int clusters)
        {
            if (precision == CentroidPrecision.Float32)
            {
                throw new ArgumentException("Float32 centroids are AlignedCentroids, not QuantizedCentroids.", nameof(precision));
            }

            if (dimension <= 0 || clusters <= 0)
            {
                throw new ArgumentException("Expected at least one centroid of at least one number.");
            }

            Precision = precision;
            Dimension = dimension;
            ClusterCount = clusters;
            PaddedClusterCount = (clusters + CentroidSearch.RowsPerPass - 1) / CentroidSearch.RowsPerPass * CentroidSearch.RowsPerPass;
            int bytes = PaddedClusterCount * dimension * BytesPerNumber;
            _storage = GC.AllocateArray<byte>(bytes + AlignedCentroids.Alignment, pinned: true);
            nint address = Marshal.UnsafeAddrOfPinnedArrayElement(_storage, 0);
            int misalignment = (int)(address & (AlignedCentroids.Alignment - 1));
            _offset = misalignment == 0 ? 0 : AlignedCentroids.Alignment - misalignment;
            _scales = new float[precision == CentroidPrecision.Int8 ? PaddedClusterCount : 0];
        }

        /// <summary>How the numbers are stored (never <see cref="CentroidPrecision.Float32"/>).</summary>
        public CentroidPrecision Precision { get; }

        /// <summary>Numbers per centroid.</summary>
        public int Dimension { get; }

        /// <summary>Centroids (clusters).</summary>
        public int ClusterCount { get; }

        /// <summary>Bytes per stored number: 2 for half precision, 1 for int8.</summary>
        public int BytesPerNumber => Precision == CentroidPrecision.Float16 ? sizeof(ushort) : sizeof(sbyte);

        /// <summary>The stored rows' bytes (without the padding rows), starting on a 64-byte boundary: what the search reads.</summary>
        public ReadOnlySpan<byte> Bytes => _storage.AsSpan(_offset, ClusterCount * Dimension * BytesPerNumber);

        /// <summary>The int8 rows' scales (a number is its byte times its row's scale); empty for half precision.</summary>
        public ReadOnlySpan<float> Scales => _scales.AsSpan(0, Precision == CentroidPrecision.Int8 ? ClusterCount : 0);

        /// <summary>Clusters rounded up to a multiple of the search's eight rows per pass; the padding rows are zero.</summary>
        internal int PaddedClusterCount { get; }

        internal ref byte FirstByte => ref _storage[_offset];

        internal ref float FirstScale => ref MemoryMarshal.GetArrayDataReference(_scales);

        /// <summary>Copies a generated router's half-precision RVA data (IEEE half bits, row-major) into aligned storage.</summary>
        public static QuantizedCentroids FromHalfBits(int dimension, ReadOnlySpan<ushort> halfBits)
        {
            var centroids = new QuantizedCentroids(CentroidPrecision.Float16, dimension, WholeRows(halfBits.Length, dimension));
            halfBits.CopyTo(MemoryMarshal.Cast<byte, ushort>(centroids.WritableBytes));
            return centroids;
        }

        /// <summary>Copies a generated router's int8 RVA data (row-major) and per-row scales into aligned storage.</summary>
        public static QuantizedCentroids FromInt8(int dimension, ReadOnlySpan<sbyte> levels, ReadOnlySpan<float> scales)
        {
            int clusters = WholeRows(levels.Length, dimension);
            if (scales.Length != clusters)
            {
                throw new ArgumentException($"Expected one scale per centroid ({clusters}), got {scales.Length}.", nameof(scales));
            }

            var centroids = new QuantizedCentroids(CentroidPrecision.Int8, dimension, clusters);
            levels.CopyTo(MemoryMarshal.Cast<byte, sbyte>(centroids.WritableBytes));
            scales.CopyTo(centroids._scales);
            return centroids;
        }

        /// <summary>
        /// Quantizes unit centroids (row-major) to <paramref name="precision"/> with <see cref="CentroidQuantization"/>,
        /// exactly as the generator does for RVA data.
        /// </summary>
        public static QuantizedCentroids Quantize(CentroidPrecision precision, int dimension, float[] unitCentroids)
        {
            int clusters = WholeRows(unitCentroids.Length, dimension);
            if (precision == CentroidPrecision.Float16)
            {
                var bits = new ushort[unitCentroids.Length];
                for (int i = 0; i < bits.Length; i++)
                {
                    bits[i] = CentroidQuantization.ToHalfBits(unitCentroids[i]);
                }

                return FromHalfBits(dimension, bits);
            }

            var levels = new sbyte[unitCentroids.Length];
            var scales = new float[clusters];
            for (int c = 0; c < clusters; c++)
            {
                scales[c] = CentroidQuantization.QuantizeInt8(unitCentroids, c * dimension, dimension, levels, c * dimension);
            }

            return FromInt8(dimension, levels, scales);
        }

        /// <summary>The number stored at (<paramref name="cluster"/>, <paramref name="index"/>), as the search sees it.</summary>
        public float Dequantize(int cluster, int index)
        {
            int at = (cluster * Dimension) + index;
            return Precision == CentroidPrecision.Float16
                ? CentroidQuantization.HalfBitsToSingle(MemoryMarshal.Cast<byte, ushort>(Bytes)[at])
                : MemoryMarshal.Cast<byte, sbyte>(Bytes)[at] * _scales[cluster];
        }

        /// <summary>
        /// Finds the centroid with the highest cosine similarity to <paramref name="embedding"/>, as
        /// <see cref="CentroidSearch.Nearest"/> does for float32 rows (ties to the lower index). Allocates nothing for
        /// dimensions and cluster counts up to 1024.
        /// </summary>
        /// <returns>The cluster index, or -1 when the embedding is zero or not finite (the caller falls back).</returns>
        public int Nearest(ReadOnlySpan<float> embedding, out float similarity) =>
            Nearest(embedding, CentroidSearch.PreferredWidth, out similarity);

        /// <summary>
        /// The centroids most similar to <paramref name="embedding"/>, most similar first (ties keep the lower index first),
        /// as <see cref="CentroidSearch.NearestClusters"/> does for float32 rows: the first is exactly
        /// <see cref="Nearest(ReadOnlySpan{float}, out float)"/>'s cluster and similarity.
        /// </summary>
        /// <returns>How many were written, or 0 when the embedding is zero or not finite.</returns>
        public int NearestClusters(ReadOnlySpan<float> embedding, Span<int> nearest, Span<float> similarities)
        {
            if (similarities.Length < nearest.Length)
            {
                throw new ArgumentException("Expected a similarity for every index.", nameof(similarities));
            }

            return Similarities(embedding, CentroidSearch.PreferredWidth, nearest, similarities, out _);
        }

        /// <summary><see cref="Nearest(ReadOnlySpan{float}, out float)"/> with the kernel of <paramref name="width"/> (the tests force each).</summary>
        internal int Nearest(ReadOnlySpan<float> embedding, KernelWidth width, out float similarity)
        {
            int best = -1;
            similarity = 0;
            Similarities(embedding, width, Span<int>.Empty, Span<float>.Empty, out (int Cluster, float Similarity) nearest);
            if (nearest.Cluster >= 0)
            {
                (best, similarity) = nearest;
            }

            return best;
        }

        // Every centroid's similarity from one pass of the kernels, then the nearest (first index of the largest, like
        // the float32 search's strictly-greater scan) and the top nearest.Length ranked as the float32 rows are.
        private int Similarities(ReadOnlySpan<float> embedding, KernelWidth width, Span<int> nearest, Span<float> similarities, out (int Cluster, float Similarity) best)
        {
            if (embedding.Length != Dimension)
            {
                throw new ArgumentException($"Expected an embedding of length {Dimension}.", nameof(embedding));
            }

            best = (-1, 0);

            // The kernels take the query at unit length (times 2^112 for half precision, see CentroidSearch.HalfWideningScale),
            // so their dot products are the similarities. Dividing by the largest magnitude first keeps the norm's sum of
            // squares from under- or overflowing for embeddings of any finite scale; cosine similarity is scale-free.
            float largest = MathF.Abs(TensorPrimitives.MaxMagnitude(embedding));
            if (!(largest > 0) || !float.IsFinite(largest))
            {
                return 0;
            }

            float[]? rentedQuery = Dimension > StackQueryDimension ? ArrayPool<float>.Shared.Rent(Dimension) : null;
            Span<float> query = rentedQuery is null ? stackalloc float[Dimension] : rentedQuery.AsSpan(0, Dimension);
            float[]? rentedDots = PaddedClusterCount > CentroidSearch.StackRankedRows ? ArrayPool<float>.Shared.Rent(PaddedClusterCount) : null;
            Span<float> dots = rentedDots is null ? stackalloc float[PaddedClusterCount] : rentedDots.AsSpan(0, PaddedClusterCount);
            TensorPrimitives.Divide(embedding, largest, query);
            TensorPrimitives.Divide(query, TensorPrimitives.Norm(query), query);
            if (Precision == CentroidPrecision.Float16)
            {
                TensorPrimitives.Multiply(query, CentroidSearch.HalfWideningScale, query);
            }

            CentroidSearch.QuantizedDots(this, query, width, dots);
            ReadOnlySpan<float> real = dots[..ClusterCount];
            // A strictly-greater scan (not IndexOfMax, which ranks +0 above -0): the order RankMostSimilar keeps.
            best = (0, real[0]);
            for (int c = 1; c < real.Length; c++)
            {
                if (real[c] > best.Similarity)
                {
                    best = (c, real[c]);
                }
            }

            int count = nearest.IsEmpty ? 0 : CentroidSearch.RankMostSimilar(real, nearest, similarities);
            if (rentedQuery is not null)
            {
                ArrayPool<float>.Shared.Return(rentedQuery);
            }

            if (rentedDots is not null)
            {
                ArrayPool<float>.Shared.Return(rentedDots);
            }

            return count;
        }

        // Query copies this long or shorter live on the stack; longer ones are rented.
        private const int StackQueryDimension = 1024;

        private Span<byte> WritableBytes => _storage.AsSpan(_offset, ClusterCount * Dimension * BytesPerNumber);

        private static int WholeRows(int length, int dimension)
        {
            if (dimension <= 0 || length == 0 || length % dimension != 0)
            {
                throw new ArgumentException($"Expected whole centroid rows of {dimension} numbers, got {length} numbers.");
            }

            return length / dimension;
        }
    }
}
