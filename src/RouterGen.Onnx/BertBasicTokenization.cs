using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace RouterGen.Onnx
{
    /// <summary>
    /// The normalisation half of BERT's BasicTokenizer, as Hugging Face's BertNormalizer does it: drop NUL, U+FFFD and
    /// other (C*) code points except tab, newline and carriage return, which like every other white space become ' ';
    /// put spaces around CJK ideographs; lower-case; decompose (NFD, see <see cref="CanonicalDecomposition"/>) and drop
    /// non-spacing marks (accents).
    /// </summary>
    /// <remarks>
    /// Microsoft.ML.Tokenizers' own BERT pipeline deviates from that on text that matters for routing: it removes tab and
    /// newline (gluing "a\nb" into one word), and its pre-tokenizer silently drops every Unicode symbol ('=', '+', '|',
    /// '$', '^', '~', '&lt;', '&gt;', emoji). These two classes restore BERT's behaviour; WordPiece itself stays Microsoft.ML.Tokenizers'.
    /// </remarks>
    internal sealed class BertBasicNormalizer : Normalizer
    {
        private readonly bool _lowerCase;
        private readonly bool _stripAccents;
        private readonly bool _splitCjk;

        public BertBasicNormalizer(bool lowerCase, bool stripAccents, bool splitCjk)
        {
            _lowerCase = lowerCase;
            _stripAccents = stripAccents;
            _splitCjk = splitCjk;
        }

        public override string Normalize(string original) => Normalize(original.AsSpan());

        public override string Normalize(ReadOnlySpan<char> original)
        {
            if (original.IsEmpty)
            {
                return string.Empty;
            }

            char[] buffer = ArrayPool<char>.Shared.Rent((original.Length * 3) + 8);
            try
            {
                int n = 0;
                int i = 0;
                while (i < original.Length)
                {
                    // Whole code points, so that emoji and supplementary ideographs are classified as BERT (Python) does.
                    Rune.DecodeFromUtf16(original[i..], out Rune rune, out int consumed);
                    ReadOnlySpan<char> source = original.Slice(i, consumed);
                    i += consumed;
                    int cp = rune.Value;
                    if (cp == 0 || cp == 0xFFFD)
                    {
                        continue;
                    }

                    if (cp is '\t' or '\n' or '\r' || Rune.IsWhiteSpace(rune))
                    {
                        buffer[n++] = ' ';
                        continue;
                    }

                    UnicodeCategory category = Rune.GetUnicodeCategory(rune);
                    if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
                        or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate)
                    {
                        continue;
                    }

                    bool cjk = _splitCjk && IsCjk(cp);
                    if (cjk)
                    {
                        buffer[n++] = ' ';
                    }

                    if (_lowerCase)
                    {
                        n += source.ToLowerInvariant(buffer.AsSpan(n));
                    }
                    else
                    {
                        source.CopyTo(buffer.AsSpan(n));
                        n += source.Length;
                    }

                    if (cjk)
                    {
                        buffer[n++] = ' ';
                    }
                }

                ReadOnlySpan<char> cleaned = buffer.AsSpan(0, n);
                if (!_stripAccents || Ascii.IsValid(cleaned))
                {
                    return new string(cleaned);
                }

                var stripped = new StringBuilder(cleaned.Length);
                foreach (char c in cleaned)
                {
                    CanonicalDecomposition.AppendWithoutMarks(c, stripped);
                }

                return stripped.ToString();
            }
            finally
            {
                ArrayPool<char>.Shared.Return(buffer);
            }
        }

        // BERT's _is_chinese_char: the CJK Unified Ideographs blocks and their extensions.
        private static bool IsCjk(int cp) =>
            (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
            || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
            || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /// <summary>
    /// The splitting half of BERT's BasicTokenizer on normalised text: white space separates words, and every punctuation
    /// character (Unicode P* plus all ASCII symbols, as BERT defines it) is a word of its own. Everything else, emoji and
    /// other symbols included, belongs to the word around it.
    /// </summary>
    internal sealed class BertPunctuationPreTokenizer : PreTokenizer
    {
        public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) =>
            string.IsNullOrEmpty(text) ? Array.Empty<(int, int)>() : Split(text.AsSpan());

        public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text);

        private static List<(int Offset, int Length)> Split(ReadOnlySpan<char> text)
        {
            var words = new List<(int Offset, int Length)>();
            int start = -1;
            int i = 0;
            while (i < text.Length)
            {
                Rune.DecodeFromUtf16(text[i..], out Rune rune, out int consumed);
                if (rune.Value == ' ')
                {
                    Flush(words, ref start, i);
                }
                else if (IsPunctuation(rune))
                {
                    Flush(words, ref start, i);
                    words.Add((i, consumed));
                }
                else if (start < 0)
                {
                    start = i;
                }

                i += consumed;
            }

            Flush(words, ref start, text.Length);
            return words;
        }

        private static void Flush(List<(int Offset, int Length)> words, ref int start, int end)
        {
            if (start >= 0)
            {
                words.Add((start, end - start));
                start = -1;
            }
        }

        private static bool IsPunctuation(Rune rune)
        {
            int cp = rune.Value;
            if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
            {
                return true;
            }

            return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
                or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
        }
    }
}
