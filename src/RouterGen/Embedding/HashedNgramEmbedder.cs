using System;
using System.Numerics.Tensors;
using RouterGen.Profiles;

namespace RouterGen.Embedding
{
    /// <summary>
    /// The built-in embedder: feature hashing of lower-cased words, adjacent word pairs and character n-grams (inside
    /// word boundaries, as fastText does) into a fixed number of signed buckets, optionally damped and weighted per
    /// bucket, then L2-normalised. It needs no model file, allocates nothing per call, and its parameters live in the
    /// profile, so a generated router can embed prompts by itself.
    /// </summary>
    public sealed class HashedNgramEmbedder : IEmbedder
    {
        // Words longer than this are hashed whole but contribute character n-grams only from their first part:
        // base64 blobs and minified code would otherwise dominate the cost and the vector.
        private const int MaxWordCharsForNgrams = 48;

        private readonly int _dimension;
        private readonly int _wordNgramMax;
        private readonly int _charMin;
        private readonly int _charMax;
        private readonly float _charWeight;
        private readonly bool _sublinear;
        private readonly uint _seed;
        private readonly int _maxChars;
        private readonly float[]? _bucketWeights;

        /// <summary>Creates the embedder from profile parameters.</summary>
        public HashedNgramEmbedder(int dimension, HashedNgramParameters parameters)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
            if (parameters.BucketWeights != null && parameters.BucketWeights.Length != dimension)
            {
                throw new ArgumentException($"BucketWeights has {parameters.BucketWeights.Length} values but the dimension is {dimension}.", nameof(parameters));
            }

            _dimension = dimension;
            _wordNgramMax = parameters.WordNgramMax;
            _charMin = parameters.CharNgramMin;
            _charMax = Math.Min(parameters.CharNgramMax, MaxWordCharsForNgrams + 2);
            _charWeight = (float)parameters.CharNgramWeight;
            _sublinear = parameters.SublinearTf;
            _seed = parameters.Seed;
            _maxChars = parameters.MaxChars;
            _bucketWeights = parameters.BucketWeights;
            Identity = EmbedderIdentity.ForHashedNgrams(dimension, parameters);
        }

        /// <inheritdoc />
        public int Dimension => _dimension;

        /// <inheritdoc />
        public string Identity { get; }

        /// <inheritdoc />
        public void Embed(ReadOnlySpan<char> text, Span<float> destination)
        {
            if (destination.Length != _dimension)
            {
                throw new ArgumentException($"destination has length {destination.Length}; this embedder writes {_dimension} values.", nameof(destination));
            }

            destination.Clear();
            if (text.Length > _maxChars)
            {
                text = text[.._maxChars];
            }

            uint previousWord = 0;
            bool havePrevious = false;
            int i = 0;
            while (i < text.Length)
            {
                if (!IsWordChar(text[i]))
                {
                    i++;
                    continue;
                }

                int start = i;
                while (i < text.Length && IsWordChar(text[i]))
                {
                    i++;
                }

                ReadOnlySpan<char> word = text[start..i];
                uint wordHash = HashWord(word);
                if (_wordNgramMax >= 1)
                {
                    Add(destination, Mix(wordHash ^ 0x5bd1e995u), 1f);
                    if (_wordNgramMax >= 2 && havePrevious)
                    {
                        Add(destination, Mix((previousWord * 0x9E3779B1u) ^ wordHash ^ 0x27d4eb2fu), 1f);
                    }
                }

                if (_charMin > 0)
                {
                    AddCharNgrams(destination, word);
                }

                previousWord = wordHash;
                havePrevious = true;
            }

            if (_sublinear)
            {
                for (int b = 0; b < destination.Length; b++)
                {
                    float v = destination[b];
                    destination[b] = v >= 0 ? MathF.Log(1 + v) : -MathF.Log(1 - v);
                }
            }

            if (_bucketWeights != null)
            {
                TensorPrimitives.Multiply(destination, _bucketWeights, destination);
            }

            float norm = TensorPrimitives.Norm(destination);
            if (norm > 0)
            {
                TensorPrimitives.Divide(destination, norm, destination);
            }
        }

        private void AddCharNgrams(Span<float> destination, ReadOnlySpan<char> word)
        {
            // The word is framed by '<' and '>' so that prefixes and suffixes hash differently from inner n-grams.
            int length = Math.Min(word.Length, MaxWordCharsForNgrams) + 2;
            for (int start = 0; start < length; start++)
            {
                uint h = 2166136261u ^ _seed;
                int maxEnd = Math.Min(length, start + _charMax);
                for (int end = start; end < maxEnd; end++)
                {
                    char c = end == 0 ? '<' : end == length - 1 ? '>' : char.ToLowerInvariant(word[end - 1]);
                    h = (h ^ c) * 16777619u;
                    int n = end - start + 1;
                    if (n >= _charMin)
                    {
                        Add(destination, Mix(h + (uint)n), _charWeight);
                    }
                }
            }
        }

        private uint HashWord(ReadOnlySpan<char> word)
        {
            uint h = 2166136261u ^ _seed;
            foreach (char c in word)
            {
                h = (h ^ char.ToLowerInvariant(c)) * 16777619u;
            }

            return h;
        }

        private void Add(Span<float> destination, uint hash, float weight)
        {
            // Unsigned modulo keeps the bucket in range; the top bit picks the sign so collisions cancel on average.
            int bucket = (int)((hash & 0x7FFFFFFFu) % (uint)_dimension);
            destination[bucket] += (hash & 0x80000000u) != 0 ? -weight : weight;
        }

        private static uint Mix(uint h)
        {
            // murmur3's finaliser: FNV alone leaves low bits poorly mixed for the modulo above.
            h ^= h >> 16;
            h *= 0x85ebca6bu;
            h ^= h >> 13;
            h *= 0xc2b2ae35u;
            h ^= h >> 16;
            return h;
        }

        private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
    }
}
