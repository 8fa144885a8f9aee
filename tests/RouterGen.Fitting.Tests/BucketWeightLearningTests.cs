using System;
using System.Linq;
using RouterGen.Embedding;
using RouterGen.Fitting;
using RouterGen.Profiles;
using Xunit;

namespace RouterGen.Fitting.Tests
{
    public sealed class BucketWeightLearningTests
    {
        private const int Dimension = 64;

        [Fact]
        public void Idf_is_one_where_every_prompt_fires_and_largest_where_none_does()
        {
            var words = new HashedNgramParameters { WordNgramMax = 1, CharNgramMin = 0 };
            string[] prompts = { "alpha beta", "alpha gamma", "alpha delta", "alpha epsilon" };
            float[] weights = BucketWeightLearning.InverseDocumentFrequency(Dimension, words, prompts);

            // The buckets each prompt touches, computed here from the unweighted embedder.
            var embedder = new HashedNgramEmbedder(Dimension, words);
            var hits = new int[Dimension];
            var vector = new float[Dimension];
            foreach (string prompt in prompts)
            {
                embedder.Embed(prompt, vector);
                for (int b = 0; b < Dimension; b++)
                {
                    hits[b] += vector[b] != 0 ? 1 : 0;
                }
            }

            for (int b = 0; b < Dimension; b++)
            {
                double expected = Math.Log((1.0 + prompts.Length) / (1.0 + hits[b])) + 1.0;
                Assert.Equal(expected, weights[b], 5);
            }

            Assert.Contains(hits, h => h == prompts.Length); // "alpha" (unless its bucket collided away, it is in every prompt)
            Assert.Equal(1.0, weights[Array.IndexOf(hits, prompts.Length)], 5);
            Assert.Equal(Math.Log(5.0) + 1.0, weights.Max(), 5);
        }

        [Fact]
        public void Idf_factory_learns_from_fit_prompts_only_and_records_the_weights_in_the_identity()
        {
            var parameters = new HashedNgramParameters();
            EmbedderFactory factory = BucketWeightLearning.IdfFactory(Dimension, parameters);
            EmbedderSetup a = factory(new[] { "sort a list", "parse json" });
            EmbedderSetup b = factory(new[] { "sort a list", "write a poem" });
            EmbedderSetup again = factory(new[] { "sort a list", "parse json" });

            Assert.NotNull(a.Definition.HashedNgrams!.BucketWeights);
            Assert.NotEqual(a.Definition.Identity, b.Definition.Identity);
            Assert.Equal(a.Definition.Identity, again.Definition.Identity);
            Assert.Equal(EmbedderIdentity.ForHashedNgrams(Dimension, a.Definition.HashedNgrams), a.Definition.Identity);
            Assert.Null(parameters.BucketWeights);
        }
    }
}
