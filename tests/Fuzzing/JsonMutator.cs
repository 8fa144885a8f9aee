using System;
using System.Collections.Generic;
using System.Text;

namespace RouterGen.Fuzzing
{
    /// <summary>
    /// Seeded text and structural mutations of JSON bytes, shared by the data fuzzer (routing.jsonl / models.json through
    /// the CLI) and the request fuzzer (bodies against the proxy). The same seed gives the same mutants on every machine,
    /// so a failure reproduces from the seed and index in its message.
    /// </summary>
    internal sealed class JsonMutator
    {
        // Fragments a hostile or careless writer produces: escapes that decode to lone surrogates or NUL, invalid UTF-8
        // (a bare continuation byte, a truncated sequence, an encoded surrogate, an overlong form), JSON punctuation,
        // values of the wrong type, numbers past double's range, a byte-order mark, line breaks.
        private static readonly byte[][] Fragments =
        [
            "\\ud800"u8.ToArray(), "\\udfff"u8.ToArray(), "\\ud83d"u8.ToArray(), "\\u0000"u8.ToArray(), "\\uFFFE"u8.ToArray(), "\\"u8.ToArray(),
            [0xFF], [0x80], [0xC3], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xEF, 0xBB, 0xBF],
            "\""u8.ToArray(), "{"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), ","u8.ToArray(), ":"u8.ToArray(),
            "null"u8.ToArray(), "true"u8.ToArray(), "1e400"u8.ToArray(), "-1"u8.ToArray(), "-0"u8.ToArray(), "NaN"u8.ToArray(),
            "Infinity"u8.ToArray(), "123456789012345678901234567890"u8.ToArray(), "\"x\""u8.ToArray(), "[]"u8.ToArray(), "{}"u8.ToArray(),
            "\r"u8.ToArray(), "\n"u8.ToArray(), "\t"u8.ToArray(), " "u8.ToArray(), "//"u8.ToArray(), "é"u8.ToArray(), "😀"u8.ToArray(),
        ];

        private readonly Random _random;
        private readonly byte[][] _keyInsertions;

        /// <param name="seed">The seed of every choice.</param>
        /// <param name="keyInsertions">Members inserted after an object's '{' (duplicates of real keys, wrong types), such as <c>"id":"p0",</c>.</param>
        public JsonMutator(int seed, IEnumerable<string> keyInsertions)
        {
            _random = new Random(seed);
            var insertions = new List<byte[]>();
            foreach (string insertion in keyInsertions)
            {
                insertions.Add(Encoding.UTF8.GetBytes(insertion));
            }

            _keyInsertions = insertions.ToArray();
        }

        /// <summary>The random source, for callers choosing among their own cases with the same seed.</summary>
        public Random Random => _random;

        /// <summary>One to four mutations of <paramref name="input"/>; returns the mutant and the names of the mutations applied.</summary>
        public (byte[] Mutant, string Mutations) Mutate(byte[] input)
        {
            var bytes = new List<byte>(input);
            var applied = new List<string>();
            int count = 1 + _random.Next(4);
            for (int i = 0; i < count; i++)
            {
                applied.Add(MutateOnce(bytes));
            }

            return (bytes.ToArray(), string.Join("+", applied));
        }

        private string MutateOnce(List<byte> bytes)
        {
            int at = bytes.Count == 0 ? 0 : _random.Next(bytes.Count + 1);
            switch (_random.Next(12))
            {
                case 0 when bytes.Count > 0:
                    bytes[Math.Min(at, bytes.Count - 1)] ^= (byte)(1 << _random.Next(8));
                    return "flip";
                case 1:
                case 2:
                    bytes.InsertRange(at, Fragments[_random.Next(Fragments.Length)]);
                    return "fragment";
                case 3 when bytes.Count > 0:
                    {
                        int length = Math.Min(1 + _random.Next(16), bytes.Count - Math.Min(at, bytes.Count - 1));
                        bytes.RemoveRange(Math.Min(at, bytes.Count - 1), length);
                        return "delete";
                    }

                case 4 when bytes.Count > 0:
                    {
                        int start = _random.Next(bytes.Count);
                        int length = Math.Min(1 + _random.Next(64), bytes.Count - start);
                        bytes.InsertRange(at, bytes.GetRange(start, length));
                        return "copy";
                    }

                case 5:
                    {
                        // A duplicate or wrongly typed member right after an object's opening brace.
                        int brace = IndexOf(bytes, (byte)'{', at);
                        if (brace < 0 || _keyInsertions.Length == 0)
                        {
                            goto case 1;
                        }

                        bytes.InsertRange(brace + 1, _keyInsertions[_random.Next(_keyInsertions.Length)]);
                        return "member";
                    }

                case 6:
                    {
                        // A number replaced by a value of another type or past double's range.
                        int digit = IndexOfDigit(bytes, at);
                        if (digit < 0)
                        {
                            goto case 1;
                        }

                        int end = digit;
                        while (end < bytes.Count && (char.IsAsciiDigit((char)bytes[end]) || bytes[end] is (byte)'.' or (byte)'e' or (byte)'-'))
                        {
                            end++;
                        }

                        bytes.RemoveRange(digit, end - digit);
                        string[] values = ["\"0.5\"", "null", "[1]", "{\"a\":1}", "1e400", "-1", "2", "true", "1.0000000000000002", "5e-324"];
                        bytes.InsertRange(digit, Encoding.ASCII.GetBytes(values[_random.Next(values.Length)]));
                        return "retype";
                    }

                case 7:
                    {
                        // Deep nesting: past System.Text.Json's default depth of 64, or just under it.
                        int depth = _random.Next(2) == 0 ? 63 : 65 + _random.Next(2000);
                        var nest = new List<byte>(depth * 2);
                        nest.AddRange(Repeat((byte)'[', depth));
                        nest.AddRange(Repeat((byte)']', depth));
                        bytes.InsertRange(at, nest);
                        return "nest";
                    }

                case 8:
                    {
                        // A long run inside whatever string (or not) the position is in.
                        bytes.InsertRange(at, Repeat((byte)'a', 1000 + _random.Next(300_000)));
                        return "long";
                    }

                case 9:
                    if (at < bytes.Count)
                    {
                        bytes.RemoveRange(at, bytes.Count - at);
                    }

                    return "truncate";
                case 10:
                    {
                        // A whole line repeated (duplicate ids in routing.jsonl) or moved.
                        (int start, int end) = LineAround(bytes, at);
                        byte[] line = bytes.GetRange(start, end - start).ToArray();
                        bytes.InsertRange(_random.Next(2) == 0 ? end : 0, [.. line, (byte)'\n']);
                        return "line";
                    }

                default:
                    bytes.InsertRange(at, Fragments[_random.Next(Fragments.Length)]);
                    return "fragment";
            }
        }

        private static byte[] Repeat(byte value, int count)
        {
            var run = new byte[count];
            Array.Fill(run, value);
            return run;
        }

        private static int IndexOf(List<byte> bytes, byte value, int from)
        {
            for (int i = 0; i < bytes.Count; i++)
            {
                int j = (from + i) % bytes.Count;
                if (bytes[j] == value)
                {
                    return j;
                }
            }

            return -1;
        }

        private static int IndexOfDigit(List<byte> bytes, int from)
        {
            for (int i = 0; i < bytes.Count; i++)
            {
                int j = (from + i) % bytes.Count;
                if (char.IsAsciiDigit((char)bytes[j]) && (j == 0 || !char.IsAsciiLetterOrDigit((char)bytes[j - 1])))
                {
                    return j;
                }
            }

            return -1;
        }

        private static (int Start, int End) LineAround(List<byte> bytes, int at)
        {
            int start = Math.Min(at, bytes.Count);
            while (start > 0 && bytes[start - 1] != (byte)'\n')
            {
                start--;
            }

            int end = Math.Min(at, bytes.Count);
            while (end < bytes.Count && bytes[end] != (byte)'\n')
            {
                end++;
            }

            return (start, end);
        }
    }

    /// <summary>The fuzzers' run sizes: a bounded default for the test suite, more with an environment variable.</summary>
    internal static class FuzzRun
    {
        /// <summary>ROUTERGEN_FUZZ_SEED, else <paramref name="defaultSeed"/>.</summary>
        public static int Seed(int defaultSeed) =>
            int.TryParse(Environment.GetEnvironmentVariable("ROUTERGEN_FUZZ_SEED"), out int seed) ? seed : defaultSeed;

        /// <summary><paramref name="variable"/> (a count), else <paramref name="defaultCount"/>.</summary>
        public static int Count(string variable, int defaultCount) =>
            int.TryParse(Environment.GetEnvironmentVariable(variable), out int count) && count > 0 ? count : defaultCount;
    }
}
