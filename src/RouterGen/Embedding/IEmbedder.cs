using System;

namespace RouterGen.Embedding
{
    /// <summary>Turns a prompt into the vector a router compares with its centroids.</summary>
    public interface IEmbedder
    {
        /// <summary>Length of the vectors this embedder writes.</summary>
        int Dimension { get; }

        /// <summary>
        /// A string that changes whenever the embedding function changes (kind, parameters, model hash). A router refuses an
        /// embedder whose identity differs from the one its profile was fit with.
        /// </summary>
        string Identity { get; }

        /// <summary>Embeds <paramref name="text"/> into <paramref name="destination"/> (length <see cref="Dimension"/>).</summary>
        void Embed(ReadOnlySpan<char> text, Span<float> destination);
    }

    /// <summary>Thrown when a router is used with an embedder, or an embedding, it was not built for.</summary>
    public sealed class EmbedderMismatchException : Exception
    {
        /// <summary>Creates the exception with a message naming both sides.</summary>
        public EmbedderMismatchException(string message)
            : base(message)
        {
        }

        /// <summary>Creates the exception.</summary>
        public EmbedderMismatchException()
        {
        }

        /// <summary>Creates the exception.</summary>
        public EmbedderMismatchException(string message, Exception innerException)
            : base(message, innerException)
        {
        }

        /// <summary>An embedding of the wrong length was passed to a router.</summary>
        public static EmbedderMismatchException Dimension(string router, int expected, int actual) =>
            new($"Router '{router}' expects embeddings of dimension {expected} (from its profile), but was given one of dimension {actual}.");

        /// <summary>Checks that <paramref name="embedder"/> is the one the router's profile was fit with.</summary>
        public static void ThrowIfMismatched(string router, string expectedIdentity, int expectedDimension, IEmbedder embedder)
        {
            ArgumentNullException.ThrowIfNull(embedder);
            if (embedder.Dimension != expectedDimension || !string.Equals(embedder.Identity, expectedIdentity, StringComparison.Ordinal))
            {
                throw new EmbedderMismatchException(
                    $"Router '{router}' was fit with embedder '{expectedIdentity}' (dimension {expectedDimension}), " +
                    $"but was given embedder '{embedder.Identity}' (dimension {embedder.Dimension}). Similarities between different embedders are meaningless; refit or calibrate the profile with this embedder.");
            }
        }
    }
}

namespace RouterGen.Embedding
{
    /// <summary>An embedder that can embed many prompts in one call (for fitting), typically much faster per prompt.</summary>
    public interface IBatchEmbedder : IEmbedder
    {
        /// <summary>
        /// Embeds <paramref name="texts"/> into <paramref name="destination"/>, row-major: row i (length
        /// <see cref="IEmbedder.Dimension"/>) is the embedding of texts[i].
        /// </summary>
        void EmbedBatch(System.Collections.Generic.IReadOnlyList<string> texts, System.Span<float> destination);
    }
}
