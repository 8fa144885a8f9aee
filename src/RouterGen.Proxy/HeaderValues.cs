using System;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace RouterGen.Proxy
{
    /// <summary>
    /// Response header values that may not be ASCII (cluster labels, preset and model ids are free text from the profile):
    /// HTTP field values are visible ASCII, so text outside it is sent as an RFC 8187 ext-value in a second, starred
    /// header (<c>x-routergen-cluster-label*: UTF-8''Math%C3%A9matiques</c>, the exact text) beside an ASCII fallback in the
    /// plain one (<c>x-routergen-cluster-label: Mathematiques</c>: accents dropped, any other character percent-encoded as
    /// UTF-8), never as '?'.
    /// </summary>
    internal static class HeaderValues
    {
        /// <summary>True when <paramref name="value"/> can be sent as is: visible ASCII and spaces only.</summary>
        public static bool IsPlain(string value)
        {
            foreach (char c in value)
            {
                if (c is < ' ' or > '~')
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>
        /// Sets <paramref name="name"/> to <paramref name="value"/>; a value that is not plain ASCII goes, exactly, into
        /// <c>name*</c> as an RFC 8187 ext-value, and its <see cref="AsciiFallback"/> into <paramref name="name"/>.
        /// </summary>
        public static void Set(IHeaderDictionary headers, string name, string value)
        {
            if (IsPlain(value))
            {
                headers[name] = value;
                return;
            }

            headers[name] = AsciiFallback(value);

            // Uri.EscapeDataString keeps only RFC 3986's unreserved characters, a subset of RFC 8187's attr-char.
            headers[name + "*"] = "UTF-8''" + Uri.EscapeDataString(value);
        }

        /// <summary>The text with accents dropped (é → e) and every other character outside visible ASCII, and '%', percent-encoded as UTF-8.</summary>
        public static string AsciiFallback(string value) => PercentEncoded(WithoutAccents(value));

        /// <summary>
        /// A plain value as is; otherwise visible ASCII and spaces kept, and '%' and everything else percent-encoded as UTF-8
        /// (a lone surrogate as U+FFFD), so that decoding gives the text back and nothing becomes '?'. Used for values
        /// relayed from upstreams too.
        /// </summary>
        public static string PercentEncoded(string value)
        {
            if (IsPlain(value))
            {
                return value;
            }

            var encoded = new StringBuilder(value.Length + 16);
            Span<byte> utf8 = stackalloc byte[4];
            foreach (Rune rune in value.EnumerateRunes())
            {
                if (rune.Value is >= ' ' and <= '~' and not '%')
                {
                    encoded.Append((char)rune.Value);
                    continue;
                }

                int length = rune.EncodeToUtf8(utf8);
                for (int i = 0; i < length; i++)
                {
                    encoded.Append('%').Append(utf8[i].ToString("X2", CultureInfo.InvariantCulture));
                }
            }

            return encoded.ToString();
        }

        private static string WithoutAccents(string value)
        {
            string decomposed = value.Normalize(NormalizationForm.FormD);
            var kept = new StringBuilder(decomposed.Length);
            foreach (char c in decomposed)
            {
                if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                {
                    kept.Append(c);
                }
            }

            return kept.ToString().Normalize(NormalizationForm.FormC);
        }
    }
}
