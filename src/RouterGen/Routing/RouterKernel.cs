using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using RouterGen.Embedding;

namespace RouterGen.Routing
{
    /// <summary>
    /// What one router supplies to the runtime's single decision flow, <see cref="RouterKernel.Route{TKernel}"/>: its unit
    /// centroids, its routing tables, and its per-cluster winner functions. A generated router implements it with a small
    /// <see langword="readonly"/> struct over its RVA centroids and its unrolled switches (breakpoints fixed at build time);
    /// <see cref="RouterProfile"/> implements it over the arrays it computed when it loaded the profile.
    /// </summary>
    /// <remarks>
    /// Implementations are structs so that the JIT and NativeAOT specialise the flow for each router, inlining these
    /// members with no virtual call (the TensorPrimitives operator-struct pattern).
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public interface IRouterKernel
    {
        /// <summary>Model ids, statistics, presets and the fallback rule.</summary>
        RouterTables Tables { get; }

        /// <summary>Embedding dimension (a constant in generated routers).</summary>
        int Dimension { get; }

        /// <summary>
        /// Unit-length centroids, row-major: cluster × dimension. Empty for a generated router whose profile stores its
        /// centroids in reduced precision (<see cref="QuantizedCentroids"/> then holds them).
        /// </summary>
        ReadOnlySpan<float> UnitCentroids { get; }

        /// <summary>
        /// Whether this kind of kernel may search <see cref="QuantizedCentroids"/> (a profile's <c>centroidPrecision</c> of
        /// float16 or int8). False by default: the flow then never reads <see cref="QuantizedCentroids"/>, so a float32
        /// kernel needs neither member and pays nothing (a constant the JIT folds, no call, no boxing).
        /// </summary>
        static virtual bool SearchesQuantizedCentroids => false;

        /// <summary>
        /// The centroids in reduced precision, which the nearest-centroid search reads instead of
        /// <see cref="UnitCentroids"/>; null when they are float32. Read only when <see cref="SearchesQuantizedCentroids"/>
        /// is true, so every kernel that says so implements it (the default is never called on the routing path).
        /// </summary>
        QuantizedCentroids? QuantizedCentroids => null;

        /// <summary>The cost-weighted winner of <paramref name="cluster"/> at <paramref name="costWeight"/>, every model allowed.</summary>
        int CostWeightedWinner(int cluster, double costWeight);

        /// <summary>The shortfall winner of <paramref name="cluster"/> at <paramref name="shortfall"/>, every model allowed.</summary>
        int ShortfallWinner(int cluster, double shortfall);
    }

    /// <summary>
    /// A kernel whose router also estimates each prompt's quality per model (profile format version 2's learned linear
    /// estimator). The flow is <see cref="RouterKernel.Route{TKernel}"/>'s with one step more: after the nearest-centroid
    /// search and the out-of-distribution test, the policy and knob apply to this estimate (with the nearest cluster's costs,
    /// or the blend of the request's top clusters) instead of the nearest cluster's breakpoints. The clusters still explain
    /// the decision and decide what is out of distribution.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public interface IQualityEstimatingKernel : IRouterKernel
    {
        /// <summary>
        /// Writes the prompt's expected quality per model (profile order) into the first <see cref="RouterTables.ModelCount"/>
        /// entries of <paramref name="quality"/>.
        /// </summary>
        void EstimateQuality(ReadOnlySpan<float> embedding, Span<double> quality);
    }

    /// <summary>
    /// The one decision flow every router runs: dimension check, nearest centroid, the out-of-distribution fallback, the
    /// allowed-models mask, then the kernel's winner at the knob. Generated routers and <see cref="RouterProfile"/> call it
    /// with their own <see cref="IRouterKernel"/> struct; <see cref="RouteDecision.Reroute"/> re-enters it after the search.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class RouterKernel
    {
        /// <summary>
        /// Routes an embedding with <paramref name="kernel"/>'s data: by the nearest cluster's breakpoints, or, when the
        /// request (or a soft-cluster profile) blends p &gt; 1 nearest clusters, by the policy over their blend. Allocates nothing.
        /// </summary>
        /// <exception cref="EmbedderMismatchException">The embedding's length is not the kernel's dimension.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The options blend more clusters than the router has.</exception>
        // Not inlined into the generated router's Route (which then only forwards its return buffer): inlined, its two
        // returns made the JIT build the decision in a stack temporary and copy it, ~+5-15 ns a route (docs/benchmarks.md).
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static RouteDecision Route<TKernel>(in TKernel kernel, ReadOnlySpan<float> embedding, in RoutingOptions options)
            where TKernel : struct, IRouterKernel
        {
            int top = kernel.Tables.TopClustersOf(options);
            if (top > 1)
            {
                return RouteBlended(kernel, embedding, top, options);
            }

            int cluster = Search(kernel, embedding, out float similarity);
            return Decide(kernel, cluster, similarity, options);
        }

        /// <summary>
        /// Routes an embedding with a kernel that estimates quality per prompt: the same dimension check, search and
        /// fallback as <see cref="Route{TKernel}"/>, then the policy, knob and mask over the kernel's quality estimate and the
        /// nearest cluster's costs (the blend of the top clusters' costs when the request asks for p &gt; 1). Allocates nothing.
        /// </summary>
        /// <exception cref="EmbedderMismatchException">The embedding's length is not the kernel's dimension.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The options blend more clusters than the router has.</exception>
        /// <exception cref="InvalidOperationException">No model is allowed.</exception>
        public static RouteDecision RouteEstimated<TKernel>(in TKernel kernel, ReadOnlySpan<float> embedding, in RoutingOptions options)
            where TKernel : struct, IQualityEstimatingKernel
        {
            RouterTables tables = kernel.Tables;
            int top = tables.TopClustersOf(options);
            if (top > 1)
            {
                return RouteEstimatedBlended(kernel, embedding, top, options);
            }

            int cluster = Search(kernel, embedding, out float similarity);
            if (IsOutOfDistribution(tables, cluster, similarity))
            {
                return tables.Fallback(cluster, similarity, options);
            }

            // At most 64 models: 1 KiB of stack for both estimates.
            Span<double> quality = stackalloc double[tables.ModelCount];
            Span<double> costUsd = stackalloc double[tables.ModelCount];
            kernel.EstimateQuality(embedding, quality);
            tables.CostsOf(cluster).CopyTo(costUsd);

            return tables.ChooseEstimated(cluster, similarity, quality, costUsd, options, learnedHeads: true, default, default);
        }

        // Soft clusters: the policy over the request's top clusters' similarity-weighted quality and cost.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static RouteDecision RouteBlended<TKernel>(in TKernel kernel, ReadOnlySpan<float> embedding, int top, in RoutingOptions options)
            where TKernel : struct, IRouterKernel
        {
            Span<double> quality = stackalloc double[kernel.Tables.ModelCount];
            Span<double> costUsd = stackalloc double[kernel.Tables.ModelCount];
            return DecideBlended(kernel, embedding, top, options, quality, costUsd, blendQuality: true);
        }

        // The learned estimator with a request's top clusters: the heads' quality, the blend of the clusters' costs. The heads
        // score before the out-of-distribution test is known (wasted only on a distant prompt).
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static RouteDecision RouteEstimatedBlended<TKernel>(in TKernel kernel, ReadOnlySpan<float> embedding, int top, in RoutingOptions options)
            where TKernel : struct, IQualityEstimatingKernel
        {
            CheckDimension(kernel, embedding);
            Span<double> quality = stackalloc double[kernel.Tables.ModelCount];
            Span<double> costUsd = stackalloc double[kernel.Tables.ModelCount];
            kernel.EstimateQuality(embedding, quality);
            return DecideBlended(kernel, embedding, top, options, quality, costUsd, blendQuality: false);
        }

        // The top clusters from the search's one scoring pass, the fallback test on the nearest of them, the blend
        // (QualityEstimation.BlendClusters, as evaluation computes it), then the policy, knob and mask over the estimate.
        private static RouteDecision DecideBlended<TKernel>(in TKernel kernel, ReadOnlySpan<float> embedding, int top, in RoutingOptions options, Span<double> quality, Span<double> costUsd, bool blendQuality)
            where TKernel : struct, IRouterKernel
        {
            CheckDimension(kernel, embedding);
            RouterTables tables = kernel.Tables;
            Span<int> nearest = stackalloc int[top];
            Span<float> similarities = stackalloc float[top];
            int count = TKernel.SearchesQuantizedCentroids && kernel.QuantizedCentroids is QuantizedCentroids quantized
                ? quantized.NearestClusters(embedding, nearest, similarities)
                : CentroidSearch.NearestClusters(kernel.UnitCentroids, kernel.Dimension, embedding, nearest, similarities);
            // The nearest is Search's cluster and similarity bit for bit (-1 and 0 when the embedding is unusable).
            int cluster = count == 0 ? -1 : nearest[0];
            float similarity = count == 0 ? 0 : similarities[0];
            if (IsOutOfDistribution(tables, cluster, similarity))
            {
                return tables.Fallback(cluster, similarity, options);
            }

            Span<double> weights = stackalloc double[count];
            QualityEstimation.ClusterWeights(similarities[..count], weights);
            QualityEstimation.BlendWeighted(tables, nearest[..count], weights, blendQuality ? quality : Span<double>.Empty, costUsd);
            return tables.ChooseEstimated(cluster, similarity, quality, costUsd, options, learnedHeads: !blendQuality, nearest[..count], weights);
        }

        /// <summary>
        /// The decision after the nearest-centroid search: an out-of-distribution prompt takes the fallback rule, a request
        /// that excludes models is decided by evaluating the policy over the allowed ones, and otherwise the kernel's winner
        /// function (the precomputed breakpoints) decides.
        /// </summary>
        /// <exception cref="InvalidOperationException">No model is allowed.</exception>
        // Not inlined, like Route: a struct-returning method with several returns, inlined, returns through a stack
        // temporary that the caller then copies (a 120-byte copy per route, measured); called, it writes the caller's
        // return buffer directly.
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static RouteDecision Decide<TKernel>(in TKernel kernel, int cluster, float similarity, in RoutingOptions options)
            where TKernel : struct, IRouterKernel
        {
            RouterTables tables = kernel.Tables;
            if (IsOutOfDistribution(tables, cluster, similarity))
            {
                return tables.Fallback(cluster, similarity, options);
            }

            if (!options.AllowedModels.AllowsAll(tables.ModelCount))
            {
                return tables.ChooseInCluster(cluster, similarity, options);
            }

            int model = options.Policy == RoutingPolicy.Shortfall
                ? kernel.ShortfallWinner(cluster, options.Knob)
                : kernel.CostWeightedWinner(cluster, options.Knob);
            return new RouteDecision(tables, model, cluster, similarity, RouteFallbackReason.None, options);
        }

        // The dimension check and the nearest-centroid search every route starts with.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Search<TKernel>(in TKernel kernel, ReadOnlySpan<float> embedding, out float similarity)
            where TKernel : struct, IRouterKernel
        {
            CheckDimension(kernel, embedding);
            if (TKernel.SearchesQuantizedCentroids && kernel.QuantizedCentroids is QuantizedCentroids quantized)
            {
                return quantized.Nearest(embedding, out similarity);
            }

            return CentroidSearch.Nearest(kernel.UnitCentroids, kernel.Dimension, embedding, out similarity);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void CheckDimension<TKernel>(in TKernel kernel, ReadOnlySpan<float> embedding)
            where TKernel : struct, IRouterKernel
        {
            if (embedding.Length != kernel.Dimension)
            {
                throw EmbedderMismatchException.Dimension(kernel.Tables.Name, kernel.Dimension, embedding.Length);
            }
        }

        // No usable embedding, or too far from every centroid for the statistics (or an estimator fit near them) to speak.
        private static bool IsOutOfDistribution(RouterTables tables, int cluster, float similarity) => cluster < 0 || similarity < tables.MinSimilarity;
    }

    /// <summary>
    /// A kernel over arrays computed at run time: the centroids normalised when a profile was loaded, and the breakpoints
    /// <see cref="RoutingMath"/> computes from the tables — the same function the generator turns into switches, so this
    /// kernel decides exactly as the generated one. With a profile's estimator it also estimates per prompt, through the
    /// same <see cref="QualityEstimation"/> functions a generated router calls.
    /// </summary>
    internal readonly struct TablesKernel : IQualityEstimatingKernel
    {
        private readonly AlignedCentroids _unitCentroids;
        private readonly KnobBreakpoints[] _costWeighted;
        private readonly KnobBreakpoints[] _shortfall;
        private readonly AlignedCentroids _headWeights;

        // Per model: the head's bias, Platt scale and Platt offset (read once here, not from the profile's objects per route),
        // and its isotonic table where it has one (null when no head is isotonic).
        private readonly double[] _platt;
        private readonly double[]?[]? _isotonicLogits;
        private readonly double[]?[]? _isotonicQualities;

        public TablesKernel(RouterTables tables, AlignedCentroids unitCentroids, Profiles.EstimatorDefinition? estimator = null, QuantizedCentroids? quantized = null)
        {
            Tables = tables;
            _unitCentroids = unitCentroids;
            QuantizedCentroids = quantized;
            _costWeighted = tables.AllBreakpoints(RoutingPolicy.CostWeighted);
            _shortfall = tables.AllBreakpoints(RoutingPolicy.Shortfall);
            bool linear = estimator is { Kind: Profiles.EstimatorDefinition.LinearKind };
            // 64-byte aligned like the centroids, so the heads' vector loads never split a cache line.
            _headWeights = AlignedCentroids.Copy(linear ? QualityEstimation.HeadWeightRows(estimator!) : []);
            _platt = new double[linear ? 3 * estimator!.Heads.Count : 0];
            for (int m = 0; linear && m < estimator!.Heads.Count; m++)
            {
                Profiles.LinearHeadDefinition head = estimator.Heads[m];
                (_platt[3 * m], _platt[(3 * m) + 1], _platt[(3 * m) + 2]) = (head.Bias, head.PlattScale, head.PlattOffset);
                if (head.IsotonicLogits is not null)
                {
                    _isotonicLogits ??= new double[]?[estimator.Heads.Count];
                    _isotonicQualities ??= new double[]?[estimator.Heads.Count];
                    (_isotonicLogits[m], _isotonicQualities[m]) = (head.IsotonicLogits, head.IsotonicQualities);
                }
            }
        }

        public RouterTables Tables { get; }

        public int Dimension => Tables.Dimension;

        // The float32 rows stay for tools (similarity tables, fitting's evaluation); the search reads the quantized ones.
        public ReadOnlySpan<float> UnitCentroids => _unitCentroids.Rows;

        public static bool SearchesQuantizedCentroids => true;

        public QuantizedCentroids? QuantizedCentroids { get; }

        public int CostWeightedWinner(int cluster, double costWeight) => _costWeighted[cluster].ModelAt(costWeight);

        public int ShortfallWinner(int cluster, double shortfall) => _shortfall[cluster].ModelAt(shortfall);

        public void EstimateQuality(ReadOnlySpan<float> embedding, Span<double> quality)
        {
            if (_platt.Length == 0)
            {
                throw new InvalidOperationException("This profile has no learned linear estimator.");
            }

            int models = Tables.ModelCount;
            Span<double> logits = quality[..models];
            QualityEstimation.HeadDots(_headWeights.Rows, embedding, logits);
            // The generated router's unrolled expressions, from arrays, bit for bit.
            QualityEstimation.Calibrate(logits, _platt, _isotonicLogits, _isotonicQualities);
        }
    }
}
