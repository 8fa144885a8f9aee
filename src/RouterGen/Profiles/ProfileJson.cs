// Shared between the runtime (RouterProfile.Load) and the source generator (linked source, netstandard2.0):
// one JSON reader, so a profile means the same thing at build time and at run time. It keeps the line and
// column of every value, which System.Text.Json's DOM does not, so errors can point into the profile file.
using System;
#pragma warning disable CA1846 // netstandard2.0 (the generator) has no span-based double.TryParse.
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RouterGen.Profiles
{
    /// <summary>The kind of a JSON value.</summary>
    internal enum JsonValueKind
    {
        Object,
        Array,
        String,
        Number,
        True,
        False,
        Null,
    }

    /// <summary>A position in a text file: 1-based line and column, 0-based character offset.</summary>
    internal readonly struct TextPosition
    {
        public TextPosition(int offset, int line, int column)
        {
            Offset = offset;
            Line = line;
            Column = column;
        }

        public int Offset { get; }

        public int Line { get; }

        public int Column { get; }
    }

    /// <summary>A parsed JSON value together with where it starts and ends in the source text.</summary>
    internal sealed class JsonValue
    {
        private JsonValue(JsonValueKind kind, TextPosition start)
        {
            Kind = kind;
            Start = start;
        }

        public JsonValueKind Kind { get; }

        public TextPosition Start { get; }

        /// <summary>Offset just past the value's last character.</summary>
        public int EndOffset { get; private set; }

        public string? String { get; private set; }

        public double Number { get; private set; }

        /// <summary>True for the non-standard tokens NaN, Infinity and -Infinity (reported, never accepted).</summary>
        public bool IsNonFinite { get; private set; }

        public List<JsonMember>? Members { get; private set; }

        public List<JsonValue>? Items { get; private set; }

        public static JsonValue Parse(string text) => new JsonTextParser(text).ParseDocument();

        internal static JsonValue Create(JsonValueKind kind, TextPosition start) => new JsonValue(kind, start);

        internal void SetString(string value) => String = value;

        internal void SetNumber(double value, bool nonFinite)
        {
            Number = value;
            IsNonFinite = nonFinite;
        }

        internal void SetMembers(List<JsonMember> members) => Members = members;

        internal void SetItems(List<JsonValue> items) => Items = items;

        internal void SetEnd(int endOffset) => EndOffset = endOffset;

        public static string Describe(JsonValueKind kind) => kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        };
    }

    /// <summary>A name/value pair of a JSON object, with the position of its name.</summary>
    internal sealed class JsonMember
    {
        public JsonMember(string name, TextPosition namePosition, int nameEndOffset, JsonValue value)
        {
            Name = name;
            NamePosition = namePosition;
            NameEndOffset = nameEndOffset;
            Value = value;
        }

        public string Name { get; }

        public TextPosition NamePosition { get; }

        public int NameEndOffset { get; }

        public JsonValue Value { get; }
    }

    /// <summary>Thrown by the reader for text that is not JSON; carries the position of the fault.</summary>
    internal sealed class JsonSyntaxException : Exception
    {
        public JsonSyntaxException(string message, TextPosition position)
            : base(message)
        {
            Position = position;
        }

        public TextPosition Position { get; }
    }

    internal sealed class JsonTextParser
    {
        // Deep nesting is never legitimate in a profile; bounding it keeps a hostile file from overflowing the stack.
        private const int MaxDepth = 64;

        private readonly string _text;
        private int _offset;
        private int _line = 1;
        private int _lineStart;

        public JsonTextParser(string text)
        {
            _text = text;
        }

        public JsonValue ParseDocument()
        {
            // A UTF-8 byte order mark decoded as text is harmless; skip it.
            if (_text.Length > 0 && _text[0] == '\uFEFF')
            {
                _offset = 1;
                _lineStart = 1;
            }

            SkipWhitespace();
            if (_offset >= _text.Length)
            {
                throw Error("The file is empty; expected a JSON object.");
            }

            JsonValue root = ParseValue(0);
            SkipWhitespace();
            if (_offset < _text.Length)
            {
                throw Error($"Unexpected '{_text[_offset]}' after the end of the JSON document.");
            }

            return root;
        }

        private TextPosition Here => new TextPosition(_offset, _line, _offset - _lineStart + 1);

        private JsonSyntaxException Error(string message) => new JsonSyntaxException(message, Here);

        private void SkipWhitespace()
        {
            while (_offset < _text.Length)
            {
                char c = _text[_offset];
                if (c == '\n')
                {
                    _offset++;
                    _line++;
                    _lineStart = _offset;
                }
                else if (c == ' ' || c == '\t' || c == '\r')
                {
                    _offset++;
                }
                else
                {
                    return;
                }
            }
        }

        private JsonValue ParseValue(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Error($"JSON nesting is deeper than {MaxDepth} levels.");
            }

            SkipWhitespace();
            if (_offset >= _text.Length)
            {
                throw Error("Unexpected end of file; expected a value.");
            }

            char c = _text[_offset];
            switch (c)
            {
                case '{':
                    return ParseObject(depth);
                case '[':
                    return ParseArray(depth);
                case '"':
                {
                    TextPosition start = Here;
                    JsonValue value = JsonValue.Create(JsonValueKind.String, start);
                    value.SetString(ParseString());
                    value.SetEnd(_offset);
                    return value;
                }

                case 't':
                    return ParseLiteral("true", JsonValueKind.True);
                case 'f':
                    return ParseLiteral("false", JsonValueKind.False);
                case 'n':
                    return ParseLiteral("null", JsonValueKind.Null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9') || c == 'N' || c == 'I')
                    {
                        return ParseNumber();
                    }

                    throw Error($"Unexpected character '{c}'; expected a value.");
            }
        }

        private JsonValue ParseLiteral(string literal, JsonValueKind kind)
        {
            TextPosition start = Here;
            if (string.CompareOrdinal(_text, _offset, literal, 0, literal.Length) != 0)
            {
                throw Error($"Unexpected token; expected '{literal}'.");
            }

            _offset += literal.Length;
            JsonValue value = JsonValue.Create(kind, start);
            value.SetEnd(_offset);
            return value;
        }

        private JsonValue ParseObject(int depth)
        {
            TextPosition start = Here;
            _offset++; // '{'
            var members = new List<JsonMember>();
            SkipWhitespace();
            if (_offset < _text.Length && _text[_offset] == '}')
            {
                _offset++;
            }
            else
            {
                while (true)
                {
                    SkipWhitespace();
                    if (_offset >= _text.Length || _text[_offset] != '"')
                    {
                        throw Error("Expected a property name in double quotes.");
                    }

                    TextPosition namePosition = Here;
                    string name = ParseString();
                    int nameEnd = _offset;
                    SkipWhitespace();
                    if (_offset >= _text.Length || _text[_offset] != ':')
                    {
                        throw Error($"Expected ':' after property name \"{name}\".");
                    }

                    _offset++;
                    JsonValue value = ParseValue(depth + 1);
                    members.Add(new JsonMember(name, namePosition, nameEnd, value));
                    SkipWhitespace();
                    if (_offset >= _text.Length)
                    {
                        throw Error("Unexpected end of file inside an object; expected ',' or '}'.");
                    }

                    char c = _text[_offset++];
                    if (c == '}')
                    {
                        break;
                    }

                    if (c != ',')
                    {
                        _offset--;
                        throw Error($"Unexpected '{c}' inside an object; expected ',' or '}}'.");
                    }
                }
            }

            JsonValue obj = JsonValue.Create(JsonValueKind.Object, start);
            obj.SetMembers(members);
            obj.SetEnd(_offset);
            return obj;
        }

        private JsonValue ParseArray(int depth)
        {
            TextPosition start = Here;
            _offset++; // '['
            var items = new List<JsonValue>();
            SkipWhitespace();
            if (_offset < _text.Length && _text[_offset] == ']')
            {
                _offset++;
            }
            else
            {
                while (true)
                {
                    items.Add(ParseValue(depth + 1));
                    SkipWhitespace();
                    if (_offset >= _text.Length)
                    {
                        throw Error("Unexpected end of file inside an array; expected ',' or ']'.");
                    }

                    char c = _text[_offset++];
                    if (c == ']')
                    {
                        break;
                    }

                    if (c != ',')
                    {
                        _offset--;
                        throw Error($"Unexpected '{c}' inside an array; expected ',' or ']'.");
                    }
                }
            }

            JsonValue array = JsonValue.Create(JsonValueKind.Array, start);
            array.SetItems(items);
            array.SetEnd(_offset);
            return array;
        }

        private string ParseString()
        {
            _offset++; // opening quote
            StringBuilder? builder = null;
            int runStart = _offset;
            while (true)
            {
                if (_offset >= _text.Length)
                {
                    throw Error("Unterminated string.");
                }

                char c = _text[_offset];
                if (c == '"')
                {
                    string result = builder == null
                        ? _text.Substring(runStart, _offset - runStart)
                        : builder.Append(_text, runStart, _offset - runStart).ToString();
                    _offset++;
                    return result;
                }

                if (c < ' ')
                {
                    throw Error("Control character inside a string; escape it.");
                }

                if (c != '\\')
                {
                    _offset++;
                    continue;
                }

                builder ??= new StringBuilder();
                builder.Append(_text, runStart, _offset - runStart);
                _offset++;
                if (_offset >= _text.Length)
                {
                    throw Error("Unterminated escape sequence.");
                }

                char e = _text[_offset++];
                switch (e)
                {
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case '/': builder.Append('/'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u':
                        if (_offset + 4 > _text.Length ||
                            !int.TryParse(_text.Substring(_offset, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                        {
                            throw Error("Invalid \\u escape; expected four hexadecimal digits.");
                        }

                        builder.Append((char)code);
                        _offset += 4;
                        break;
                    default:
                        _offset--;
                        throw Error($"Invalid escape '\\{e}'.");
                }

                runStart = _offset;
            }
        }

        private JsonValue ParseNumber()
        {
            TextPosition start = Here;
            int begin = _offset;
            // NaN and Infinity are not JSON, but Python's json module writes them; recognise them so the profile
            // validator can say "NaN in clusters[3].centroid[17]" instead of "unexpected character".
            foreach (string special in new[] { "NaN", "Infinity", "-Infinity" })
            {
                if (string.CompareOrdinal(_text, _offset, special, 0, special.Length) == 0)
                {
                    _offset += special.Length;
                    JsonValue nonFinite = JsonValue.Create(JsonValueKind.Number, start);
                    nonFinite.SetNumber(special == "NaN" ? double.NaN : special[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity, nonFinite: true);
                    nonFinite.SetEnd(_offset);
                    return nonFinite;
                }
            }

            if (_offset < _text.Length && _text[_offset] == '-')
            {
                _offset++;
            }

            int digitsStart = _offset;
            while (_offset < _text.Length && IsNumberChar(_text[_offset]))
            {
                _offset++;
            }

            string token = _text.Substring(begin, _offset - begin);
            if (_offset == digitsStart ||
                !double.TryParse(token, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out double number))
            {
                _offset = begin;
                throw Error($"Invalid number '{token}'.");
            }

            JsonValue value = JsonValue.Create(JsonValueKind.Number, start);
            value.SetNumber(number, nonFinite: double.IsInfinity(number));
            value.SetEnd(_offset);
            return value;
        }

        private static bool IsNumberChar(char c) =>
            (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
    }
    /// <summary>Quoting shared by the profile writer and the generator.</summary>
    internal static class JsonString
    {
        /// <summary>
        /// A double-quoted literal that is valid both as JSON and as a C# regular string: quotes, backslashes, control
        /// characters, the characters C# treats as line breaks (U+0085, U+2028, U+2029), format characters, noncharacters
        /// and unpaired surrogates are escaped. The generator's string literals all come from here.
        /// </summary>
        public static string Quote(string value)
        {
            var s = new StringBuilder(value.Length + 2).Append('"');
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                switch (c)
                {
                    case '"': s.Append("\\\""); break;
                    case '\\': s.Append("\\\\"); break;
                    case '\n': s.Append("\\n"); break;
                    case '\r': s.Append("\\r"); break;
                    case '\t': s.Append("\\t"); break;
                    default:
                        if (NeedsEscape(value, i))
                        {
                            s.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            s.Append(c);
                        }

                        break;
                }
            }

            return s.Append('"').ToString();
        }

        // Escaped as \uXXXX (valid in JSON and C#): control characters and line breaks (a raw one ends a C# string literal),
        // format characters such as bidirectional overrides (they reorder the text a reviewer sees around the literal),
        // the noncharacters U+FFFE/U+FFFF and unpaired surrogates (not encodable as UTF-8).
        private static bool NeedsEscape(string value, int i)
        {
            char c = value[i];
            if (char.IsHighSurrogate(c))
            {
                return i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]);
            }

            if (char.IsLowSurrogate(c))
            {
                return i == 0 || !char.IsHighSurrogate(value[i - 1]);
            }

            return char.IsControl(c) || c == '\u2028' || c == '\u2029' || c == '\uFFFE' || c == '\uFFFF' ||
                char.GetUnicodeCategory(c) == UnicodeCategory.Format;
        }
    }
}
