using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>How routing data is read and how missing costs are estimated.</summary>
    public sealed class DatasetReadOptions
    {
        /// <summary>Default <see cref="MaxPromptChars"/>: 256 Ki characters, ten times the longest SWE-bench Verified issue.</summary>
        public const int DefaultMaxPromptChars = 256 * 1024;

        /// <summary>
        /// Longest prompt accepted, in UTF-16 characters. A longer prompt is refused with its line number rather than
        /// silently truncated: it is almost always a data-preparation error (a whole file pasted into the prompt).
        /// </summary>
        public int MaxPromptChars { get; set; } = DefaultMaxPromptChars;

        /// <summary>Characters per token for estimating input tokens from prompt length (English and code average about 4).</summary>
        public double CharsPerToken { get; set; } = 4;

        /// <summary>Output tokens assumed per request when a cost is estimated from list prices.</summary>
        public int AssumedOutputTokens { get; set; } = 256;

        /// <summary>Only these model ids (in this order) are read; null reads every model in models.json.</summary>
        public IReadOnlyList<string>? ModelPool { get; set; }

        /// <summary>Data set name; null uses the name of the folder holding routing.jsonl.</summary>
        public string? Name { get; set; }
    }
}
