using System;

namespace RouterGen.Fitting
{
    /// <summary>
    /// xoshiro256** seeded through SplitMix64: a small generator whose sequence is fixed by its seed on every platform and
    /// .NET version (System.Random's algorithm is not a compatibility promise), so fits are reproducible.
    /// </summary>
    public sealed class SeededRandom
    {
        private ulong _s0;
        private ulong _s1;
        private ulong _s2;
        private ulong _s3;

        /// <summary>Creates a generator from a seed and an optional stream number (for independent sub-sequences).</summary>
        public SeededRandom(ulong seed, ulong stream = 0)
        {
            ulong x = seed ^ (stream * 0x9E3779B97F4A7C15UL) ^ 0xD1B54A32D192ED03UL;
            _s0 = SplitMix(ref x);
            _s1 = SplitMix(ref x);
            _s2 = SplitMix(ref x);
            _s3 = SplitMix(ref x);
        }

        /// <summary>The next 64 random bits.</summary>
        public ulong NextUInt64()
        {
            ulong result = RotateLeft(_s1 * 5, 7) * 9;
            ulong t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = RotateLeft(_s3, 45);
            return result;
        }

        /// <summary>A double uniform in [0, 1).</summary>
        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        /// <summary>An integer uniform in [0, <paramref name="maxExclusive"/>).</summary>
        public int Next(int maxExclusive)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxExclusive, 1);
            return (int)(NextDouble() * maxExclusive);
        }

        /// <summary>Fisher–Yates shuffle in place.</summary>
        public void Shuffle(Span<int> values)
        {
            for (int i = values.Length - 1; i > 0; i--)
            {
                int j = Next(i + 1);
                (values[i], values[j]) = (values[j], values[i]);
            }
        }

        private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

        private static ulong SplitMix(ref ulong x)
        {
            ulong z = x += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
