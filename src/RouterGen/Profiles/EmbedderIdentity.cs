// Shared between the runtime and the source generator (linked source, netstandard2.0).
using System;
using System.Globalization;
using RouterGen.Embedding;

namespace RouterGen.Profiles
{
    /// <summary>Identity strings of embedders, computed from their parameters so that any change is detected.</summary>
    public static class EmbedderIdentity
    {
        /// <summary>The identity of the built-in hashed n-gram embedder with these parameters.</summary>
        public static string ForHashedNgrams(int dimension, HashedNgramParameters p)
        {
            string weights = p.BucketWeights == null ? "none" : Fingerprint(p.BucketWeights);
            return string.Format(
                CultureInfo.InvariantCulture,
                "hashed-ngrams/v1;dim={0};words=1-{1};chars={2}-{3};charWeight={4};sublinear={5};seed={6};maxChars={7};weights={8}",
                dimension,
                p.WordNgramMax,
                p.CharNgramMin,
                p.CharNgramMax,
                p.CharNgramWeight.ToString("R", CultureInfo.InvariantCulture),
                p.SublinearTf ? 1 : 0,
                p.Seed,
                p.MaxChars,
                weights);
        }

        /// <summary>The identity of an ONNX embedder: model hash, pooling, prefix and token limit.</summary>
        public static string ForOnnx(int dimension, OnnxEmbedderParameters p) =>
            string.Format(CultureInfo.InvariantCulture, "onnx/v1;dim={0};sha256={1};pooling={2};maxTokens={3};prefix={4}", dimension, p.ModelSha256, EmbeddingPoolingNames.Format(p.Pooling), p.MaxTokens, p.Prefix ?? "");

        /// <summary>64-bit FNV-1a over the bit patterns of the values, as 16 hex digits.</summary>
        public static string Fingerprint(float[] values)
        {
            ulong hash = 14695981039346656037UL;
            foreach (float v in values)
            {
                byte[] bytes = BitConverter.GetBytes(v);
                if (!BitConverter.IsLittleEndian)
                {
                    Array.Reverse(bytes);
                }

                foreach (byte b in bytes)
                {
                    hash = (hash ^ b) * 1099511628211UL;
                }
            }

            return hash.ToString("x16", CultureInfo.InvariantCulture);
        }
    }
}
