using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using RouterGen.Profiles;

namespace RouterGen.Generator
{
    /// <summary>
    /// The one escaping path, per context, for every profile-derived string the emitter writes: <c>//</c> comments, XML
    /// docs, string literals, identifiers and hint names. A profile is data a team reviews; none of these may let it write
    /// code (a line break in a comment would end the comment and start a line of C#).
    /// </summary>
    internal static class GeneratedCodeText
    {
        /// <summary>Most characters of an id or label a comment copies: they repeat per cluster and model (literals keep all of it).</summary>
        public const int MaxCommentValueLength = 80;

        /// <summary>Most characters of a value written once per file (description, provenance, identity) a comment copies.</summary>
        public const int MaxDocValueLength = 1000;

        /// <summary>
        /// Text for a <c>//</c> comment or an XML doc line: one line of visible characters, at most
        /// <paramref name="maxLength"/> of them. Line breaks and other control characters (C0, DEL, C1 including U+0085),
        /// U+2028/U+2029, format characters (bidirectional overrides), noncharacters and unpaired surrogates become a
        /// space or U+FFFD; longer text is cut with an ellipsis.
        /// </summary>
        public static string Comment(string value, int maxLength = MaxCommentValueLength)
        {
            var s = new StringBuilder(Math.Min(value.Length, maxLength + 1));
            for (int i = 0; i < value.Length; i++)
            {
                if (s.Length >= maxLength)
                {
                    return s.Append('…').ToString();
                }

                char c = value[i];
                if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    s.Append(c).Append(value[i + 1]);
                    i++;
                }
                else if (char.IsSurrogate(c) || c == '\uFFFE' || c == '\uFFFF')
                {
                    s.Append('\uFFFD');
                }
                else if (char.IsControl(c) || c == '\u2028' || c == '\u2029' || char.GetUnicodeCategory(c) == UnicodeCategory.Format)
                {
                    s.Append(' ');
                }
                else
                {
                    s.Append(c);
                }
            }

            return s.ToString();
        }

        /// <summary>Text for an XML doc comment: <see cref="Comment"/> (which also drops every character XML forbids) with <c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c> escaped.</summary>
        public static string XmlDoc(string value, int maxLength = MaxDocValueLength) =>
            Comment(value, maxLength).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

        /// <summary>A C# regular string literal holding exactly <paramref name="value"/>.</summary>
        public static string StringLiteral(string value) => JsonString.Quote(value);

        /// <summary>
        /// A profile-derived identifier (class name) or dotted name (namespace), checked again here so that a gap in the
        /// reader's validation becomes a generator failure diagnostic, never emitted code.
        /// </summary>
        public static string DottedName(string name)
        {
            foreach (string part in name.Split('.'))
            {
                if (!RouterClassName.IsIdentifier(part))
                {
                    throw new InvalidOperationException($"'{Comment(name)}' is not a C# name; the profile reader should have refused it.");
                }
            }

            return name;
        }

        /// <summary>
        /// PascalCase C# identifiers for ids such as "claude-4.5-opus-medium" (Claude45OpusMedium), unique within the
        /// list and distinct from <paramref name="reserved"/>. Only ASCII letters and digits survive, so no id can make a
        /// keyword (keywords are lower-case) or anything but one identifier; length is bounded by the reader's id limit.
        /// </summary>
        public static string[] UniqueIdentifiers(IEnumerable<string> ids, params string[] reserved)
        {
            var used = new HashSet<string>(reserved, StringComparer.Ordinal);
            var result = new List<string>();
            foreach (string id in ids)
            {
                var s = new StringBuilder();
                bool upper = true;
                foreach (char c in id)
                {
                    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                    {
                        s.Append(upper ? char.ToUpperInvariant(c) : c);
                        upper = false;
                    }
                    else
                    {
                        upper = true;
                    }
                }

                string name = s.Length == 0 || char.IsDigit(s[0]) ? "M" + s : s.ToString();
                string unique = name;
                for (int n = 2; !used.Add(unique); n++)
                {
                    unique = name + "_" + n.ToString(CultureInfo.InvariantCulture);
                }

                result.Add(unique);
            }

            return result.ToArray();
        }

        /// <summary>
        /// The hint name of a router's source file: its full class name, made unique ignoring case (the compiler compares
        /// hint names case-insensitively and throws on a clash). Stable: callers visit profiles in ordinal path order.
        /// </summary>
        public static string HintName(string fullClassName, HashSet<string> usedIgnoringCase)
        {
            string hint = fullClassName + ".g.cs";
            for (int n = 2; !usedIgnoringCase.Add(hint); n++)
            {
                hint = fullClassName + "_" + n.ToString(CultureInfo.InvariantCulture) + ".g.cs";
            }

            return hint;
        }
    }
}
