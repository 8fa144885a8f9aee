using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using RouterGen.Embedding;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Prompt embeddings kept on disk, keyed by (embedder identity, SHA-256 of the prompt's UTF-8), so that a second fit,
    /// eval, embed or calibrate on the same prompts with the same embedder reads vectors instead of running the model.
    /// </summary>
    /// <remarks>
    /// <para>
    /// One file per entry: <c>&lt;directory&gt;/v1/&lt;identity hash&gt;/&lt;2 hex&gt;/&lt;prompt hash&gt;.emb</c>, holding a magic
    /// number, the dimension, the full identity and prompt hashes, the floats, and a SHA-256 checksum of all of that. An
    /// entry is written to a unique temporary file in its folder and renamed over the final name, so concurrent writers
    /// (two evals at once) never interleave and a reader sees a whole entry or none.
    /// </para>
    /// <para>
    /// An entry is trusted only if every check passes (length, magic, dimension, both hashes, checksum, finite values);
    /// otherwise it counts as <see cref="Rejected"/>, the prompt is embedded again and the entry rewritten. A cache that
    /// cannot be written (read-only, full disk) only costs speed: failures are counted in <see cref="WriteFailures"/>.
    /// </para>
    /// </remarks>
    public sealed class EmbeddingCache
    {
        private const int Magic = 0x31454752; // "RGE1", little-endian
        private const int HeaderBytes = 4 + 4 + 32 + 32;
        private const int ChecksumBytes = 16;

        private long _hits;
        private long _misses;
        private long _rejected;
        private long _writeFailures;

        /// <summary>A cache rooted at <paramref name="directory"/> (created on first write).</summary>
        public EmbeddingCache(string directory)
        {
            ArgumentException.ThrowIfNullOrEmpty(directory);
            DirectoryPath = Path.GetFullPath(directory);
        }

        /// <summary>
        /// The default location: <c>$XDG_CACHE_HOME/routergen/embeddings</c>, else <c>~/.cache/routergen/embeddings</c>
        /// (on Windows, <c>%LOCALAPPDATA%\routergen\embeddings</c>).
        /// </summary>
        public static string DefaultDirectory
        {
            get
            {
                string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
                string root = !string.IsNullOrEmpty(xdg) ? xdg
                    : OperatingSystem.IsWindows() ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
                return Path.Combine(root, "routergen", "embeddings");
            }
        }

        /// <summary>The cache's root folder.</summary>
        public string DirectoryPath { get; }

        /// <summary>Entries read and trusted.</summary>
        public long Hits => Interlocked.Read(ref _hits);

        /// <summary>Lookups with no entry (including rejected ones).</summary>
        public long Misses => Interlocked.Read(ref _misses);

        /// <summary>Entries found but not trusted (truncated, corrupted, or for another prompt, embedder or dimension).</summary>
        public long Rejected => Interlocked.Read(ref _rejected);

        /// <summary>Entries that could not be written.</summary>
        public long WriteFailures => Interlocked.Read(ref _writeFailures);

        /// <summary>An embedder that answers batch calls from this cache and embeds only the misses with <paramref name="embedder"/>; single-prompt calls go straight through.</summary>
        public IBatchEmbedder Wrap(IEmbedder embedder)
        {
            ArgumentNullException.ThrowIfNull(embedder);
            return new CachedEmbedder(this, embedder);
        }

        /// <summary>Reads the entry of <paramref name="prompt"/> under <paramref name="identity"/> into <paramref name="destination"/>, if one exists and passes every check.</summary>
        public bool TryRead(string identity, string prompt, Span<float> destination)
        {
            ArgumentNullException.ThrowIfNull(identity);
            ArgumentNullException.ThrowIfNull(prompt);
            byte[] identityHash = Hash(identity);
            byte[] promptHash = Hash(prompt);
            if (TryReadEntry(EntryPath(identityHash, promptHash), identityHash, promptHash, destination))
            {
                Interlocked.Increment(ref _hits);
                return true;
            }

            Interlocked.Increment(ref _misses);
            return false;
        }

        /// <summary>Stores <paramref name="embedding"/> as the entry of <paramref name="prompt"/> under <paramref name="identity"/> (atomically; failures are counted, not thrown).</summary>
        public void Write(string identity, string prompt, ReadOnlySpan<float> embedding)
        {
            ArgumentNullException.ThrowIfNull(identity);
            ArgumentNullException.ThrowIfNull(prompt);
            byte[] identityHash = Hash(identity);
            byte[] promptHash = Hash(prompt);
            byte[] entry = Encode(identityHash, promptHash, embedding);
            string path = EntryPath(identityHash, promptHash);
            string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(temporary, entry);
                File.Move(temporary, path, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Interlocked.Increment(ref _writeFailures);
                TryDelete(temporary);
            }
        }

        /// <summary>The file an entry lives in (for tests and for deleting one entry by hand).</summary>
        public string EntryPath(string identity, string prompt) => EntryPath(Hash(identity), Hash(prompt));

        private string EntryPath(byte[] identityHash, byte[] promptHash)
        {
            string prompt = Convert.ToHexStringLower(promptHash);
            return Path.Combine(DirectoryPath, "v1", Convert.ToHexStringLower(identityHash.AsSpan(0, 16)), prompt[..2], prompt + ".emb");
        }

        private bool TryReadEntry(string path, byte[] identityHash, byte[] promptHash, Span<float> destination)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return false;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Interlocked.Increment(ref _rejected);
                return false;
            }

            int payload = HeaderBytes + (destination.Length * sizeof(float));
            ReadOnlySpan<byte> span = bytes;
            bool valid = bytes.Length == payload + ChecksumBytes
                && BinaryPrimitives.ReadInt32LittleEndian(span) == Magic
                && BinaryPrimitives.ReadInt32LittleEndian(span[4..]) == destination.Length
                && span.Slice(8, 32).SequenceEqual(identityHash)
                && span.Slice(40, 32).SequenceEqual(promptHash)
                && SHA256.HashData(span[..payload]).AsSpan(0, ChecksumBytes).SequenceEqual(span.Slice(payload, ChecksumBytes));
            if (valid)
            {
                for (int i = 0; i < destination.Length; i++)
                {
                    float value = BinaryPrimitives.ReadSingleLittleEndian(span.Slice(HeaderBytes + (i * sizeof(float)), sizeof(float)));
                    if (!float.IsFinite(value))
                    {
                        valid = false;
                        break;
                    }

                    destination[i] = value;
                }
            }

            if (!valid)
            {
                Interlocked.Increment(ref _rejected);
            }

            return valid;
        }

        private static byte[] Encode(byte[] identityHash, byte[] promptHash, ReadOnlySpan<float> embedding)
        {
            int payload = HeaderBytes + (embedding.Length * sizeof(float));
            var bytes = new byte[payload + ChecksumBytes];
            Span<byte> span = bytes;
            BinaryPrimitives.WriteInt32LittleEndian(span, Magic);
            BinaryPrimitives.WriteInt32LittleEndian(span[4..], embedding.Length);
            identityHash.CopyTo(span[8..]);
            promptHash.CopyTo(span[40..]);
            for (int i = 0; i < embedding.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(span.Slice(HeaderBytes + (i * sizeof(float)), sizeof(float)), embedding[i]);
            }

            SHA256.HashData(span[..payload]).AsSpan(0, ChecksumBytes).CopyTo(span[payload..]);
            return bytes;
        }

        private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Nothing more to do: a stray temporary file is never read as an entry.
            }
        }

        /// <summary>The cache in front of an embedder: same identity and dimension, so profiles and routers cannot tell it apart.</summary>
        private sealed class CachedEmbedder : IBatchEmbedder
        {
            private readonly EmbeddingCache _cache;
            private readonly IEmbedder _inner;

            public CachedEmbedder(EmbeddingCache cache, IEmbedder inner)
            {
                _cache = cache;
                _inner = inner;
            }

            public int Dimension => _inner.Dimension;

            public string Identity => _inner.Identity;

            public void Embed(ReadOnlySpan<char> text, Span<float> destination) => _inner.Embed(text, destination);

            public void EmbedBatch(IReadOnlyList<string> texts, Span<float> destination)
            {
                ArgumentNullException.ThrowIfNull(texts);
                int d = Dimension;
                if (destination.Length != texts.Count * d)
                {
                    throw new ArgumentException($"destination has length {destination.Length}; {texts.Count} prompts need {texts.Count * d}.", nameof(destination));
                }

                var missing = new List<int>();
                for (int i = 0; i < texts.Count; i++)
                {
                    if (!_cache.TryRead(Identity, texts[i], destination.Slice(i * d, d)))
                    {
                        missing.Add(i);
                    }
                }

                if (missing.Count == 0)
                {
                    return;
                }

                var missingTexts = new string[missing.Count];
                for (int m = 0; m < missing.Count; m++)
                {
                    missingTexts[m] = texts[missing[m]];
                }

                var embedded = new float[missing.Count * d];
                if (_inner is IBatchEmbedder batch)
                {
                    batch.EmbedBatch(missingTexts, embedded);
                }
                else
                {
                    for (int m = 0; m < missing.Count; m++)
                    {
                        _inner.Embed(missingTexts[m], embedded.AsSpan(m * d, d));
                    }
                }

                for (int m = 0; m < missing.Count; m++)
                {
                    ReadOnlySpan<float> row = embedded.AsSpan(m * d, d);
                    row.CopyTo(destination.Slice(missing[m] * d, d));
                    _cache.Write(Identity, missingTexts[m], row);
                }
            }
        }
    }
}
