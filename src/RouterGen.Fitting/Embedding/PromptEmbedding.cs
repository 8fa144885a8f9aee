using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RouterGen.Embedding;

namespace RouterGen.Fitting
{
    /// <summary>Embeds many prompts in batches, in parallel where the embedder allows it.</summary>
    public static class PromptEmbedding
    {
        /// <summary>Prompts per batch for a per-prompt embedder, spread over the cores: small enough for smooth progress.</summary>
        public const int BatchSize = 64;

        /// <summary>
        /// Prompts per call of a <see cref="IBatchEmbedder"/>: enough that a length-bucketing embedder (the ONNX one) finds
        /// runs of prompts of nearly equal token count, so little of its work is padding; progress moves per call.
        /// </summary>
        public const int BatchEmbedderCallSize = 1024;

        /// <summary>
        /// Embeds every prompt and L2-normalises each row. A <see cref="IBatchEmbedder"/> is called with
        /// <see cref="BatchEmbedderCallSize"/> prompts at a time on one thread (it may hold a session that is not
        /// thread-safe, and parallelises inside); any other embedder (the built-in one is stateless) is called from several
        /// threads. Wrap the embedder with <see cref="EmbeddingCache.Wrap"/> to reuse embeddings across runs. <paramref name="progress"/> receives the number of prompts embedded so far.
        /// </summary>
        public static EmbeddingMatrix EmbedAll(IEmbedder embedder, IReadOnlyList<string> prompts, IProgress<int>? progress = null, CancellationToken cancellation = default)
        {
            ArgumentNullException.ThrowIfNull(embedder);
            ArgumentNullException.ThrowIfNull(prompts);
            int dimension = embedder.Dimension;
            var data = new float[(long)prompts.Count * dimension];
            int batchSize = embedder is IBatchEmbedder ? BatchEmbedderCallSize : BatchSize;
            int batches = (prompts.Count + batchSize - 1) / batchSize;
            int done = 0;
            void EmbedBatch(int b)
            {
                int start = b * batchSize;
                int count = Math.Min(batchSize, prompts.Count - start);
                Span<float> rows = data.AsSpan(start * dimension, count * dimension);
                if (embedder is IBatchEmbedder batch)
                {
                    var texts = new string[count];
                    for (int i = 0; i < count; i++)
                    {
                        texts[i] = prompts[start + i];
                    }

                    batch.EmbedBatch(texts, rows);
                }
                else
                {
                    for (int i = 0; i < count; i++)
                    {
                        embedder.Embed(prompts[start + i], rows.Slice(i * dimension, dimension));
                    }
                }

                for (int i = 0; i < count; i++)
                {
                    NormalizeInPlace(rows.Slice(i * dimension, dimension));
                }

                progress?.Report(Interlocked.Add(ref done, count));
            }

            if (embedder is IBatchEmbedder)
            {
                for (int b = 0; b < batches; b++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    EmbedBatch(b);
                }
            }
            else
            {
                Parallel.For(0, batches, new ParallelOptions { CancellationToken = cancellation }, EmbedBatch);
            }

            return new EmbeddingMatrix(data, prompts.Count, dimension);
        }

        /// <summary>Scales a vector to unit length in double precision (a zero vector is left as is).</summary>
        public static void NormalizeInPlace(Span<float> vector)
        {
            double sum = 0;
            foreach (float x in vector)
            {
                sum += (double)x * x;
            }

            if (!(sum > 0) || !double.IsFinite(sum))
            {
                return;
            }

            double inverse = 1 / Math.Sqrt(sum);
            for (int i = 0; i < vector.Length; i++)
            {
                vector[i] = (float)(vector[i] * inverse);
            }
        }
    }
}
