using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace RouterGen.Cli.Reporting
{
    /// <summary>
    /// A GitHub-flavoured markdown pipe table with padded columns, so it reads well both in a terminal and rendered in a
    /// pull request. Columns marked numeric are right-aligned.
    /// </summary>
    internal sealed class MarkdownTable
    {
        private readonly string[] _headers;
        private readonly bool[] _rightAligned;
        private readonly List<string[]> _rows = [];

        /// <summary>Creates a table; a header starting with '>' is right-aligned (the marker is not printed).</summary>
        public MarkdownTable(params string[] headers)
        {
            _headers = new string[headers.Length];
            _rightAligned = new bool[headers.Length];
            for (int i = 0; i < headers.Length; i++)
            {
                _rightAligned[i] = headers[i].StartsWith('>');
                _headers[i] = _rightAligned[i] ? headers[i][1..] : headers[i];
            }
        }

        /// <summary>Number of rows added.</summary>
        public int RowCount => _rows.Count;

        /// <summary>Adds a row; it must have one cell per column.</summary>
        public void Add(params string[] cells)
        {
            if (cells.Length != _headers.Length)
            {
                throw new ArgumentException($"Expected {_headers.Length} cells, got {cells.Length}.", nameof(cells));
            }

            var escaped = new string[cells.Length];
            for (int i = 0; i < cells.Length; i++)
            {
                // A '|' inside a cell would split it; labels come from data, so escape it.
                escaped[i] = cells[i].Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ');
            }

            _rows.Add(escaped);
        }

        /// <summary>Writes the table, one line per row.</summary>
        public void WriteTo(TextWriter writer)
        {
            var widths = new int[_headers.Length];
            for (int i = 0; i < widths.Length; i++)
            {
                widths[i] = Math.Max(3, _headers[i].Length);
                foreach (string[] row in _rows)
                {
                    widths[i] = Math.Max(widths[i], row[i].Length);
                }
            }

            writer.WriteLine(Line(_headers, widths));
            var rule = new StringBuilder("|");
            for (int i = 0; i < widths.Length; i++)
            {
                rule.Append(' ').Append('-', widths[i] - (_rightAligned[i] ? 1 : 0)).Append(_rightAligned[i] ? ":" : "").Append(" |");
            }

            writer.WriteLine(rule.ToString());
            foreach (string[] row in _rows)
            {
                writer.WriteLine(Line(row, widths));
            }
        }

        private string Line(string[] cells, int[] widths)
        {
            var line = new StringBuilder("|");
            for (int i = 0; i < cells.Length; i++)
            {
                line.Append(' ').Append(_rightAligned[i] ? cells[i].PadLeft(widths[i]) : cells[i].PadRight(widths[i])).Append(" |");
            }

            return line.ToString();
        }
    }
}
