using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RouterGen.Onnx
{
    /// <summary>
    /// Unicode canonical decomposition (NFD) of single characters from a built-in table, for BERT's accent stripping.
    /// <see cref="string.Normalize(NormalizationForm)"/> cannot be used: with invariant globalization (the NativeAOT
    /// <c>routergen</c> CLI) it silently returns its input, so "café" would not become "cafe" and a profile fit by the
    /// CLI would not match the same model served elsewhere. A table also makes tokenisation independent of the ICU
    /// version installed.
    /// </summary>
    internal static partial class CanonicalDecomposition
    {
        private const int HangulBase = 0xAC00, HangulCount = 11172, LeadBase = 0x1100, VowelBase = 0x1161, TrailBase = 0x11A7;
        private const int VowelCount = 21, TrailCount = 28;

        private static readonly FrozenDictionary<char, string> Decompositions = Parse();

        /// <summary>Appends the canonical decomposition of <paramref name="c"/>, leaving out non-spacing marks (accents).</summary>
        public static void AppendWithoutMarks(char c, StringBuilder destination)
        {
            int hangul = c - HangulBase;
            if (hangul >= 0 && hangul < HangulCount)
            {
                // Hangul syllables decompose by formula into leading consonant, vowel and optional trailing consonant jamo.
                destination.Append((char)(LeadBase + (hangul / (VowelCount * TrailCount))));
                destination.Append((char)(VowelBase + (hangul % (VowelCount * TrailCount) / TrailCount)));
                if (hangul % TrailCount != 0)
                {
                    destination.Append((char)(TrailBase + (hangul % TrailCount)));
                }

                return;
            }

            if (Decompositions.TryGetValue(c, out string? decomposed))
            {
                foreach (char part in decomposed)
                {
                    if (CharUnicodeInfo.GetUnicodeCategory(part) != UnicodeCategory.NonSpacingMark)
                    {
                        destination.Append(part);
                    }
                }
            }
            else if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                destination.Append(c);
            }
        }

        private static FrozenDictionary<char, string> Parse()
        {
            var map = new Dictionary<char, string>();
            foreach (string entry in Table.Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                int colon = entry.IndexOf(':', StringComparison.Ordinal);
                char key = (char)int.Parse(entry.AsSpan(0, colon), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var value = new StringBuilder();
                foreach (string part in entry[(colon + 1)..].Split(' '))
                {
                    value.Append(char.ConvertFromUtf32(int.Parse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
                }

                map.Add(key, value.ToString());
            }

            return map.ToFrozenDictionary();
        }
    }
}
