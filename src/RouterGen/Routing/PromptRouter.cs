using System;
using System.Buffers;
using RouterGen.Embedding;

namespace RouterGen.Routing
{
    /// <summary>Routes an embedding; the signature every generated router's Route method has.</summary>
    public delegate RouteDecision EmbeddingRouter(ReadOnlySpan<float> embedding, in RoutingOptions options);

    /// <summary>
    /// A router that takes prompt text: an embedder paired with a generated or runtime-loaded router. This is what serving
    /// code (the chat client, the proxy) holds, whichever kind of router is behind it.
    /// </summary>
    public interface IPromptRouter
    {
        /// <summary>Model ids, presets, statistics and the fallback rule of the router.</summary>
        RouterTables Tables { get; }

        /// <summary>Embeds <paramref name="prompt"/> and routes it.</summary>
        RouteDecision Route(ReadOnlySpan<char> prompt, in RoutingOptions options);
    }

    /// <summary>Pairs an embedder with a router after checking they belong together.</summary>
    public sealed class PromptRouter : IPromptRouter
    {
        // Stack space for one embedding; larger dimensions rent from the shared pool (still allocation-free in steady state).
        private const int MaxStackDimension = 1024;

        private readonly IEmbedder _embedder;
        private readonly EmbeddingRouter _route;

        /// <summary>Creates a prompt router.</summary>
        /// <exception cref="EmbedderMismatchException">The embedder is not the one the router's profile was fit with.</exception>
        public PromptRouter(RouterTables tables, IEmbedder embedder, EmbeddingRouter route)
        {
            ArgumentNullException.ThrowIfNull(tables);
            ArgumentNullException.ThrowIfNull(embedder);
            ArgumentNullException.ThrowIfNull(route);
            EmbedderMismatchException.ThrowIfMismatched(tables.Name, tables.EmbedderIdentity, tables.Dimension, embedder);
            Tables = tables;
            _embedder = embedder;
            _route = route;
        }

        /// <inheritdoc />
        public RouterTables Tables { get; }

        /// <summary>The embedder in use.</summary>
        public IEmbedder Embedder => _embedder;

        /// <inheritdoc />
        public RouteDecision Route(ReadOnlySpan<char> prompt, in RoutingOptions options)
        {
            int dimension = Tables.Dimension;
            if (dimension <= MaxStackDimension)
            {
                Span<float> embedding = stackalloc float[dimension];
                _embedder.Embed(prompt, embedding);
                return _route(embedding, options);
            }

            float[] rented = ArrayPool<float>.Shared.Rent(dimension);
            try
            {
                Span<float> embedding = rented.AsSpan(0, dimension);
                _embedder.Embed(prompt, embedding);
                return _route(embedding, options);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }
}
