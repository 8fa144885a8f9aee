using System;
using System.Numerics.Tensors;
using RouterGen.Embedding;
using RouterGen.Profiles;
using Xunit;

namespace RouterGen.Tests
{
    public sealed class HashedNgramEmbedderTests
    {
        private static readonly HashedNgramEmbedder Embedder = new(256, new HashedNgramParameters());

        private static float[] Embed(string text, HashedNgramEmbedder? embedder = null)
        {
            embedder ??= Embedder;
            var v = new float[embedder.Dimension];
            embedder.Embed(text, v);
            return v;
        }

        [Fact]
        public void EmbeddingsAreUnitLengthAndDeterministic()
        {
            float[] a = Embed("Fix the flaky Django migration test");
            Assert.Equal(1f, TensorPrimitives.Norm(a), 4);
            Assert.Equal(a, Embed("Fix the flaky Django migration test"));
        }

        [Fact]
        public void CaseDoesNotMatterButWordsDo()
        {
            Assert.Equal(Embed("QuerySet Bulk Create"), Embed("queryset bulk create"));
            float related = TensorPrimitives.Dot(Embed("django queryset bulk_create crashes"), Embed("bulk_create on a django queryset fails"));
            float unrelated = TensorPrimitives.Dot(Embed("django queryset bulk_create crashes"), Embed("write a sonnet about autumn leaves"));
            Assert.True(related > unrelated + 0.2f, $"related {related}, unrelated {unrelated}");
        }

        [Fact]
        public void EmptyOrSymbolOnlyTextGivesTheZeroVector()
        {
            Assert.All(Embed(""), x => Assert.Equal(0f, x));
            Assert.All(Embed(" ,.;!? "), x => Assert.Equal(0f, x));
        }

        [Fact]
        public void OnlyTheFirstMaxCharsAreEmbedded()
        {
            var embedder = new HashedNgramEmbedder(64, new HashedNgramParameters { MaxChars = 10 });
            Assert.Equal(Embed("abcdefghij", embedder), Embed("abcdefghij and then a lot more text", embedder));
        }

        [Fact]
        public void SeedAndBucketWeightsChangeTheIdentity()
        {
            Assert.NotEqual(Embedder.Identity, new HashedNgramEmbedder(256, new HashedNgramParameters { Seed = 1 }).Identity);
            var weights = new float[256];
            Array.Fill(weights, 2f);
            var weighted = new HashedNgramEmbedder(256, new HashedNgramParameters { BucketWeights = weights });
            Assert.NotEqual(Embedder.Identity, weighted.Identity);
            // Uniform weights scale every bucket alike, so after normalisation the direction is unchanged.
            float[] a = Embed("uniform weights", weighted);
            float[] b = Embed("uniform weights");
            for (int i = 0; i < a.Length; i++)
            {
                Assert.Equal(b[i], a[i], 5);
            }
        }

        [Fact]
        public void EmbeddingAllocatesNothing()
        {
            var destination = new float[256];
            const string text = "Traceback (most recent call last): File \"manage.py\", line 22 — naïve café, 日本語, emoji 🚀";
            Embedder.Embed(text, destination);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5000; i++)
            {
                Embedder.Embed(text, destination);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
