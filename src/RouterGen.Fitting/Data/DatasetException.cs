using System;

namespace RouterGen.Fitting
{
    /// <summary>Bad input data: the message names the file, the 1-based line and the field.</summary>
    public sealed class DatasetException : Exception
    {
        /// <summary>Creates the exception for a problem at a line of a file.</summary>
        public DatasetException(string file, int line, string? field, string problem)
            : base(Format(file, line, field, problem))
        {
            File = file;
            Line = line;
            Field = field;
            Problem = problem;
        }

        /// <summary>Creates the exception.</summary>
        public DatasetException()
        {
            File = "";
            Problem = "";
        }

        /// <summary>Creates the exception.</summary>
        public DatasetException(string message)
            : base(message)
        {
            File = "";
            Problem = message;
        }

        /// <summary>Creates the exception.</summary>
        public DatasetException(string message, Exception innerException)
            : base(message, innerException)
        {
            File = "";
            Problem = message;
        }

        /// <summary>The file with the problem.</summary>
        public string File { get; }

        /// <summary>1-based line number, or 0 when the problem is the whole file.</summary>
        public int Line { get; }

        /// <summary>The JSON field at fault, such as <c>scores.gpt-5</c>, or null.</summary>
        public string? Field { get; }

        /// <summary>The problem without the location.</summary>
        public string Problem { get; }

        // One line whatever the data holds: keys, ids and quoted JSON tokens are copied into messages, and a line break
        // or other control character in them is shown as an escape.
        private static string Format(string file, int line, string? field, string problem) =>
            OneLine($"{file}{(line > 0 ? $"({line})" : "")}: {(field is null ? "" : field + ": ")}{problem}");

        private static string OneLine(string text)
        {
            if (!text.AsSpan().ContainsAny(LineBreaking))
            {
                return text;
            }

            var shown = new System.Text.StringBuilder(text.Length + 16);
            foreach (char c in text)
            {
                if (LineBreaking.Contains(c))
                {
                    shown.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
                }
                else
                {
                    shown.Append(c);
                }
            }

            return shown.ToString();
        }

        private static readonly System.Buffers.SearchValues<char> LineBreaking = System.Buffers.SearchValues.Create(
            "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F\u0085\u2028\u2029");
    }
}
