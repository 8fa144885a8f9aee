using System;
using System.IO;
using RouterGen.Embedding;
using RouterGen.Profiles;

namespace RouterGen.Routing
{
    /// <summary>
    /// A router loaded from a profile file at run time, for tools and for users who cannot rebuild. It decides exactly as
    /// the router generated from the same profile: same reader, same breakpoints, same kernel.
    /// </summary>
    public sealed class RouterProfile
    {
        private readonly AlignedCentroids _unitCentroids;
        private readonly TablesKernel _kernel;

        // A learned linear estimator predicts quality per prompt; soft clusters are the flow's own blend of cluster statistics.
        private readonly bool _estimatesQuality;

        private RouterProfile(ProfileDefinition definition, string source)
        {
            Definition = definition;
            Source = source;
            Tables = RouterTables.FromProfile(definition);
            int dimension = definition.Embedder.Dimension;
            int clusters = definition.Clusters.Count;
            _unitCentroids = AlignedCentroids.Allocate(clusters * dimension);
            Span<float> rows = _unitCentroids.Writable;
            for (int c = 0; c < clusters; c++)
            {
                RoutingMath.Normalize(definition.Clusters[c].Centroid).CopyTo(rows.Slice(c * dimension, dimension));
            }

            // Quantized from the same unit rows with the same functions the generator runs at build time, so a generated
            // router of this profile searches the same bits.
            QuantizedCentroids = definition.CentroidPrecision == CentroidPrecision.Float32
                ? null
                : QuantizedCentroids.Quantize(definition.CentroidPrecision, dimension, rows.ToArray());

            // The breakpoints are computed here, once, by the function the generator turns into switches.
            _kernel = new TablesKernel(Tables, _unitCentroids, definition.Estimator, QuantizedCentroids);
            _estimatesQuality = definition.Estimator is { Kind: EstimatorDefinition.LinearKind };

            if (definition.Embedder.Kind == EmbedderDefinition.HashedNgramsKind)
            {
                BuiltInEmbedder = new HashedNgramEmbedder(dimension, definition.Embedder.HashedNgrams ?? new HashedNgramParameters());
            }
        }

        /// <summary>The parsed profile.</summary>
        public ProfileDefinition Definition { get; }

        /// <summary>Where the profile came from (a path, or a name given to <see cref="Parse"/>).</summary>
        public string Source { get; }

        /// <summary>Model ids, statistics, presets and fallback rule.</summary>
        public RouterTables Tables { get; }

        /// <summary>The built-in embedder the profile specifies, or null for an ONNX profile.</summary>
        public HashedNgramEmbedder? BuiltInEmbedder { get; }

        /// <summary>Unit-length centroids, row-major, starting on a 64-byte boundary.</summary>
        public ReadOnlySpan<float> UnitCentroids => _unitCentroids.Rows;

        /// <summary>
        /// The centroids in the profile's reduced <c>centroidPrecision</c> (float16 or int8), which routing searches; null
        /// for float32 profiles. <see cref="UnitCentroids"/> keeps the float32 rows for tools either way.
        /// </summary>
        public QuantizedCentroids? QuantizedCentroids { get; }

        /// <summary>Loads and validates a profile file.</summary>
        /// <exception cref="ProfileException">The file is not a valid profile; the message names line, column and field.</exception>
        public static RouterProfile Load(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            return Parse(File.ReadAllText(path), path);
        }

        /// <summary>Parses and validates profile text; <paramref name="source"/> names it in error messages.</summary>
        /// <exception cref="ProfileException">The text is not a valid profile.</exception>
        public static RouterProfile Parse(string json, string source = "(profile)")
        {
            ArgumentNullException.ThrowIfNull(json);
            ProfileReadResult result = ProfileReader.Read(json);
            if (result.Profile is null)
            {
                throw new ProfileException(source, result.Problems);
            }

            return new RouterProfile(result.Profile, source);
        }

        /// <summary>Creates a router from a profile already in memory (for example, one just fit). It is not re-validated.</summary>
        public static RouterProfile FromDefinition(ProfileDefinition definition, string source = "(in memory)")
        {
            ArgumentNullException.ThrowIfNull(definition);
            return new RouterProfile(definition, source);
        }

        /// <summary>Routes an embedding (with the request's top clusters, see <see cref="RoutingOptions.TopClusters"/>).</summary>
        /// <exception cref="EmbedderMismatchException">The embedding's length is not the profile's dimension.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The options blend more clusters than the profile has.</exception>
        public RouteDecision Route(ReadOnlySpan<float> embedding, in RoutingOptions options = default) =>
            _estimatesQuality ? RouterKernel.RouteEstimated(_kernel, embedding, options) : RouterKernel.Route(_kernel, embedding, options);

        /// <summary>
        /// The decision for a nearest-centroid search already made (<see cref="CentroidSearch.Nearest"/> over
        /// <see cref="UnitCentroids"/>): the rest of <see cref="Route"/>, for callers that decide many options per search.
        /// It decides by the cluster statistics; with a profile estimator, <see cref="Route"/> (which has the embedding) is the
        /// router's decision.
        /// </summary>
        /// <exception cref="InvalidOperationException">No model is allowed.</exception>
        public RouteDecision Decide(int cluster, float similarity, in RoutingOptions options) =>
            RouterKernel.Decide(_kernel, cluster, similarity, options);

        /// <summary>The winner of a cluster at a knob value, from the precomputed breakpoints (no mask, no fallback).</summary>
        public int WinnerAt(int cluster, RoutingPolicy policy, double knob) => Tables.BreakpointsOf(cluster, policy).ModelAt(knob);

        /// <summary>
        /// A router over prompt text. With no embedder, the profile's built-in embedder is used (an ONNX profile needs one).
        /// </summary>
        /// <exception cref="EmbedderMismatchException">The embedder does not match the profile.</exception>
        public IPromptRouter CreatePromptRouter(IEmbedder? embedder = null)
        {
            embedder ??= BuiltInEmbedder ?? throw new InvalidOperationException(
                $"Profile '{Source}' uses embedder kind '{Definition.Embedder.Kind}'; pass an embedder with identity '{Tables.EmbedderIdentity}'.");
            return new PromptRouter(Tables, embedder, Route);
        }
    }
}
