using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RouterGen.Embedding;
using Xunit;

namespace RouterGen.Fitting.Tests
{
    public sealed class EmbeddingCacheTests : IDisposable
    {
        private readonly string _folder = TestData.NewFolder();

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private static string[] Prompts(int count) => Enumerable.Range(0, count).Select(i => $"prompt number {i}: sort a list of {i * 7} items").ToArray();

        [Fact]
        public void Second_run_reads_every_prompt_from_the_cache_and_gives_identical_rows()
        {
            var cache = new EmbeddingCache(_folder);
            var model = new CountingEmbedder("model-a");
            string[] prompts = Prompts(50);

            EmbeddingMatrix first = PromptEmbedding.EmbedAll(cache.Wrap(model), prompts);
            Assert.Equal(50, model.Embedded);
            Assert.Equal((0, 50), (cache.Hits, cache.Misses));

            EmbeddingMatrix second = PromptEmbedding.EmbedAll(cache.Wrap(model), prompts);
            Assert.Equal(50, model.Embedded);
            Assert.Equal((50, 50), (cache.Hits, cache.Misses));
            Assert.Equal(first.Data, second.Data);

            // And the rows are what the embedder itself gives, normalised as usual.
            Assert.Equal(PromptEmbedding.EmbedAll(new CountingEmbedder("model-a"), prompts).Data, second.Data);
        }

        [Fact]
        public void Another_embedder_identity_never_reads_the_first_ones_entries()
        {
            var cache = new EmbeddingCache(_folder);
            string[] prompts = Prompts(10);
            PromptEmbedding.EmbedAll(cache.Wrap(new CountingEmbedder("model-a")), prompts);

            var other = new CountingEmbedder("model-b");
            EmbeddingMatrix rows = PromptEmbedding.EmbedAll(cache.Wrap(other), prompts);
            Assert.Equal(10, other.Embedded);
            Assert.Equal(PromptEmbedding.EmbedAll(new CountingEmbedder("model-b"), prompts).Data, rows.Data);
        }

        [Theory]
        [InlineData("flip a value byte")]
        [InlineData("flip a checksum byte")]
        [InlineData("truncate")]
        [InlineData("empty")]
        [InlineData("another prompt's entry")]
        [InlineData("a NaN with a valid checksum")]
        public void A_bad_entry_is_rejected_recomputed_and_rewritten(string damage)
        {
            var cache = new EmbeddingCache(_folder);
            var model = new CountingEmbedder("model-a");
            string[] prompts = Prompts(5);
            EmbeddingMatrix expected = PromptEmbedding.EmbedAll(cache.Wrap(model), prompts);
            string path = cache.EntryPath(model.Identity, prompts[2]);
            byte[] bytes = File.ReadAllBytes(path);
            switch (damage)
            {
                case "flip a value byte": bytes[100] ^= 0x40; break;
                case "flip a checksum byte": bytes[^1] ^= 0x01; break;
                case "truncate": bytes = bytes[..(bytes.Length / 2)]; break;
                case "empty": bytes = Array.Empty<byte>(); break;
                case "another prompt's entry": bytes = File.ReadAllBytes(cache.EntryPath(model.Identity, prompts[3])); break;
                case "a NaN with a valid checksum":
                    cache.Write(model.Identity, prompts[2], Enumerable.Repeat(float.NaN, model.Dimension).ToArray());
                    bytes = File.ReadAllBytes(path);
                    break;
            }

            File.WriteAllBytes(path, bytes);
            int before = model.Embedded;
            EmbeddingMatrix again = PromptEmbedding.EmbedAll(cache.Wrap(model), prompts);

            Assert.Equal(1, cache.Rejected);
            Assert.Equal(before + 1, model.Embedded);
            Assert.Equal(expected.Data, again.Data);

            // Rewritten: the next run trusts it again.
            PromptEmbedding.EmbedAll(cache.Wrap(model), prompts);
            Assert.Equal(before + 1, model.Embedded);
            Assert.Equal(1, cache.Rejected);
        }

        [Fact]
        public void Concurrent_writers_and_readers_of_the_same_entries_see_only_whole_entries()
        {
            // Four "evals" at once on overlapping prompts with one cache folder: every row any of them gets, from the
            // cache or the model, is the model's row; no temporary file is left behind.
            string[] prompts = Prompts(200);
            EmbeddingMatrix expected = PromptEmbedding.EmbedAll(new CountingEmbedder("model-a"), prompts);
            var failures = new ConcurrentQueue<string>();
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, worker =>
            {
                var cache = new EmbeddingCache(_folder);
                for (int round = 0; round < 3; round++)
                {
                    string[] order = prompts.Skip(worker * 10).Concat(prompts.Take(worker * 10)).ToArray();
                    EmbeddingMatrix rows = PromptEmbedding.EmbedAll(cache.Wrap(new CountingEmbedder("model-a")), order);
                    for (int r = 0; r < order.Length; r++)
                    {
                        int original = Array.IndexOf(prompts, order[r]);
                        if (!rows.Row(r).SequenceEqual(expected.Row(original)))
                        {
                            failures.Enqueue($"worker {worker} round {round}: row for '{order[r]}' differs");
                        }
                    }
                }

                Assert.Equal(0, cache.WriteFailures);
            });

            Assert.Empty(failures);
            Assert.Empty(Directory.EnumerateFiles(_folder, "*.tmp", SearchOption.AllDirectories));
            Assert.Equal(200, Directory.EnumerateFiles(_folder, "*.emb", SearchOption.AllDirectories).Count());
        }

        [Fact]
        public void An_unwritable_cache_only_costs_speed()
        {
            string notAFolder = Path.Combine(_folder, "file");
            File.WriteAllText(notAFolder, "x");
            var cache = new EmbeddingCache(notAFolder);
            var model = new CountingEmbedder("model-a");
            string[] prompts = Prompts(5);

            EmbeddingMatrix rows = PromptEmbedding.EmbedAll(cache.Wrap(model), prompts);

            Assert.Equal(5, cache.WriteFailures);
            Assert.Equal(PromptEmbedding.EmbedAll(new CountingEmbedder("model-a"), prompts).Data, rows.Data);
        }

        [Fact]
        public void Default_folder_follows_xdg_cache_home()
        {
            string? saved = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            try
            {
                Environment.SetEnvironmentVariable("XDG_CACHE_HOME", _folder);
                Assert.Equal(Path.Combine(_folder, "routergen", "embeddings"), EmbeddingCache.DefaultDirectory);
            }
            finally
            {
                Environment.SetEnvironmentVariable("XDG_CACHE_HOME", saved);
            }
        }

        /// <summary>A deterministic batch embedder (values from the prompt's characters) that counts the prompts it embeds.</summary>
        private sealed class CountingEmbedder : IBatchEmbedder
        {
            private int _embedded;

            public CountingEmbedder(string identity) => Identity = identity;

            public int Dimension => 24;

            public string Identity { get; }

            public int Embedded => _embedded;

            public void Embed(ReadOnlySpan<char> text, Span<float> destination)
            {
                Interlocked.Increment(ref _embedded);
                int salt = Identity.GetHashCode(StringComparison.Ordinal) & 0xff;
                for (int j = 0; j < destination.Length; j++)
                {
                    destination[j] = 0.1f + ((text[j % text.Length] * (j + 1) + salt) % 97 / 97f);
                }
            }

            public void EmbedBatch(IReadOnlyList<string> texts, Span<float> destination)
            {
                for (int i = 0; i < texts.Count; i++)
                {
                    Embed(texts[i], destination.Slice(i * Dimension, Dimension));
                }
            }
        }
    }
}
