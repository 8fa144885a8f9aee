using System;
using System.Collections.Generic;
using System.Linq;

namespace RouterGen.Profiles
{
    /// <summary>Thrown when a profile file is invalid; the message names the file, line, column and field of each problem.</summary>
    public sealed class ProfileException : Exception
    {
        /// <summary>Creates the exception for the problems found in <paramref name="source"/>.</summary>
        public ProfileException(string source, IReadOnlyList<ProfileProblem> problems)
            : base(FormatMessage(source, problems))
        {
            Source = source;
            Problems = problems;
        }

        /// <summary>Creates the exception.</summary>
        public ProfileException()
        {
            Problems = [];
        }

        /// <summary>Creates the exception.</summary>
        public ProfileException(string message)
            : base(message)
        {
            Problems = [];
        }

        /// <summary>Creates the exception.</summary>
        public ProfileException(string message, Exception innerException)
            : base(message, innerException)
        {
            Problems = [];
        }

        /// <summary>Every problem found.</summary>
        public IReadOnlyList<ProfileProblem> Problems { get; }

        private static string FormatMessage(string source, IReadOnlyList<ProfileProblem> problems)
        {
            ArgumentNullException.ThrowIfNull(problems);
            string lines = string.Join(Environment.NewLine, problems.Take(20).Select(p => $"{source}({p.Line},{p.Column}): error {p.Id}: {p.Message}"));
            string more = problems.Count > 20 ? $"{Environment.NewLine}... and {problems.Count - 20} more." : "";
            return $"Invalid router profile '{source}' ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):{Environment.NewLine}{lines}{more}";
        }
    }
}
