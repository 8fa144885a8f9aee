using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using RouterGen.Embedding;

namespace RouterGen.Extensions.AI
{
    /// <summary>
    /// A RouterGen embedder (the built-in hashed n-gram one, or the ONNX sentence-transformer) as a Microsoft.Extensions.AI
    /// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>, so it can feed anything in the ecosystem that takes one
    /// (for example <see cref="SemanticRoutingChatClient"/>, vector stores).
    /// </summary>
    public sealed class RouterGenEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly IEmbedder _embedder;
        private readonly EmbeddingGeneratorMetadata _metadata;

        /// <summary>Wraps <paramref name="embedder"/>.</summary>
        public RouterGenEmbeddingGenerator(IEmbedder embedder)
        {
            ArgumentNullException.ThrowIfNull(embedder);
            _embedder = embedder;
            _metadata = new EmbeddingGeneratorMetadata("routergen", defaultModelId: embedder.Identity, defaultModelDimensions: embedder.Dimension);
        }

        /// <summary>The wrapped embedder.</summary>
        public IEmbedder Embedder => _embedder;

        /// <inheritdoc />
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(values);
            var texts = values as IReadOnlyList<string> ?? new List<string>(values);
            int dimension = _embedder.Dimension;
            var results = new GeneratedEmbeddings<Embedding<float>>(texts.Count);
            if (_embedder is IBatchEmbedder batch && texts.Count > 1)
            {
                float[] all = new float[texts.Count * dimension];
                batch.EmbedBatch(texts, all);
                for (int i = 0; i < texts.Count; i++)
                {
                    results.Add(Wrap(all.AsMemory(i * dimension, dimension)));
                }

                return Task.FromResult(results);
            }

            foreach (string text in texts)
            {
                cancellationToken.ThrowIfCancellationRequested();
                float[] vector = new float[dimension];
                _embedder.Embed(text, vector);
                results.Add(Wrap(vector));
            }

            return Task.FromResult(results);
        }

        /// <inheritdoc />
        public object? GetService(Type serviceType, object? serviceKey = null)
        {
            ArgumentNullException.ThrowIfNull(serviceType);
            if (serviceKey is not null)
            {
                return null;
            }

            return serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
                : serviceType.IsInstanceOfType(this) ? this
                : serviceType.IsInstanceOfType(_embedder) ? _embedder
                : null;
        }

        /// <summary>Does nothing: the embedder is owned by its creator (a router may share it).</summary>
        public void Dispose()
        {
        }

        private Embedding<float> Wrap(ReadOnlyMemory<float> vector) => new(vector) { ModelId = _embedder.Identity, CreatedAt = null };
    }
}
