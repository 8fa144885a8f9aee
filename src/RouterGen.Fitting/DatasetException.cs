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

        private static string Format(string file, int line, string? field, string problem) =>
            $"{file}{(line > 0 ? $"({line})" : "")}: {(field is null ? "" : field + ": ")}{problem}";
    }
}
