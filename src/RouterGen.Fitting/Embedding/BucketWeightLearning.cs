using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using RouterGen.Embedding;
using RouterGen.Profiles;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Per-bucket weights for the built-in embedder, learned from fit prompts only and stored in the profile
    /// (<see cref="HashedNgramParameters.BucketWeights"/>), so a generated router applies them with no files at run time.
    /// </summary>
    public static class BucketWeightLearning
    {
        /// <summary>
        /// Smoothed inverse document frequency per bucket, ln((1 + n) / (1 + df)) + 1, where df counts the prompts whose
        /// unweighted embedding is non-zero in the bucket: buckets that fire on every prompt (stop words, common
        /// n-grams) are damped, distinctive ones kept.
        /// </summary>
        public static float[] InverseDocumentFrequency(int dimension, HashedNgramParameters parameters, IReadOnlyList<string> prompts)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            ArgumentNullException.ThrowIfNull(prompts);
            var unweighted = new HashedNgramEmbedder(dimension, WithWeights(parameters, null));
            var documentFrequency = new int[dimension];
            Parallel.For(
                0,
                prompts.Count,
                () => (Vector: new float[dimension], Counts: new int[dimension]),
                (p, _, local) =>
                {
                    unweighted.Embed(prompts[p], local.Vector);
                    for (int b = 0; b < dimension; b++)
                    {
                        if (local.Vector[b] != 0)
                        {
                            local.Counts[b]++;
                        }
                    }

                    return local;
                },
                local =>
                {
                    lock (documentFrequency)
                    {
                        for (int b = 0; b < dimension; b++)
                        {
                            documentFrequency[b] += local.Counts[b];
                        }
                    }
                });

            var weights = new float[dimension];
            for (int b = 0; b < dimension; b++)
            {
                weights[b] = (float)(Math.Log((1.0 + prompts.Count) / (1.0 + documentFrequency[b])) + 1.0);
            }

            return weights;
        }

        /// <summary>
        /// An embedder factory that learns IDF bucket weights from each fit's prompts (never from held-out prompts) on top of
        /// <paramref name="parameters"/>.
        /// </summary>
        public static EmbedderFactory IdfFactory(int dimension, HashedNgramParameters parameters) =>
            fitPrompts => EmbedderSetup.BuiltIn(dimension, WithWeights(parameters, InverseDocumentFrequency(dimension, parameters, fitPrompts)));

        private static HashedNgramParameters WithWeights(HashedNgramParameters p, float[]? weights) => new()
        {
            WordNgramMax = p.WordNgramMax,
            CharNgramMin = p.CharNgramMin,
            CharNgramMax = p.CharNgramMax,
            CharNgramWeight = p.CharNgramWeight,
            SublinearTf = p.SublinearTf,
            Seed = p.Seed,
            MaxChars = p.MaxChars,
            BucketWeights = weights,
        };
    }
}
