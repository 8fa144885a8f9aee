using System;
using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Names clusters by their most distinctive terms: words that many of the cluster's prompts contain and few other
    /// prompts do. A term's score is p_c · ln(p_c / p_rest), where p_c is the share of the cluster's prompts containing it
    /// and p_rest the share of all other prompts (both smoothed): the cluster's contribution to the KL divergence between
    /// the two term distributions, a TF-IDF of the cluster against the rest.
    /// </summary>
    public static class ClusterLabeler
    {
        /// <summary>Only this many leading characters of a prompt are read for labels (bounds work on huge prompts).</summary>
        public const int MaxCharsPerPrompt = 8192;

        // Frequent English and markup words that name no topic. Short on purpose: the contrast with other clusters
        // already removes most common words; these are the ones that survive it by chance in small clusters.
        private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
        {
            "the", "and", "for", "that", "this", "with", "from", "are", "was", "were", "but", "not", "you", "your", "have",
            "has", "had", "can", "could", "would", "should", "will", "when", "what", "which", "who", "how", "why", "where",
            "there", "their", "them", "they", "then", "than", "these", "those", "into", "out", "about", "also", "only",
            "some", "any", "all", "one", "two", "its", "our", "use", "used", "using", "does", "did", "been", "being", "more",
            "most", "such", "each", "other", "here", "just", "like", "may", "might", "must", "very", "get", "set", "let",
            "http", "https", "www", "com",
        };

        /// <summary>Labels each cluster with up to <paramref name="terms"/> distinctive terms, joined by ", ".</summary>
        /// <param name="texts">Prompt texts of the fit rows.</param>
        /// <param name="assignment">Cluster of each text.</param>
        /// <param name="clusters">Number of clusters.</param>
        /// <param name="terms">Terms per label.</param>
        public static string[] Label(IReadOnlyList<string> texts, IReadOnlyList<int> assignment, int clusters, int terms = 3)
        {
            ArgumentNullException.ThrowIfNull(texts);
            ArgumentNullException.ThrowIfNull(assignment);
            var termIds = new Dictionary<string, int>(StringComparer.Ordinal);
            var termNames = new List<string>();
            var documentFrequency = new List<int>();
            var clusterFrequency = new Dictionary<int, int>[clusters];
            for (int c = 0; c < clusters; c++)
            {
                clusterFrequency[c] = new Dictionary<int, int>();
            }

            var sizes = new int[clusters];
            var seen = new HashSet<int>();
            for (int i = 0; i < texts.Count; i++)
            {
                int c = assignment[i];
                sizes[c]++;
                seen.Clear();
                foreach (string term in Terms(texts[i]))
                {
                    if (!termIds.TryGetValue(term, out int id))
                    {
                        id = termNames.Count;
                        termIds.Add(term, id);
                        termNames.Add(term);
                        documentFrequency.Add(0);
                    }

                    if (seen.Add(id))
                    {
                        documentFrequency[id]++;
                        clusterFrequency[c][id] = clusterFrequency[c].GetValueOrDefault(id) + 1;
                    }
                }
            }

            var labels = new string[clusters];
            var scored = new List<(double Score, string Term)>();
            for (int c = 0; c < clusters; c++)
            {
                scored.Clear();
                int rest = texts.Count - sizes[c];
                int minimumCount = sizes[c] >= 4 ? 2 : 1;
                foreach (KeyValuePair<int, int> entry in clusterFrequency[c])
                {
                    if (entry.Value < minimumCount)
                    {
                        continue;
                    }

                    double inside = (entry.Value + 0.5) / (sizes[c] + 1.0);
                    double outside = (documentFrequency[entry.Key] - entry.Value + 0.5) / (rest + 1.0);
                    double score = inside * Math.Log(inside / outside);
                    if (score > 0)
                    {
                        scored.Add((score, termNames[entry.Key]));
                    }
                }

                scored.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Term, b.Term));
                var chosen = new List<string>();
                for (int i = 0; i < scored.Count && chosen.Count < terms; i++)
                {
                    chosen.Add(scored[i].Term);
                }

                labels[c] = chosen.Count > 0 ? string.Join(", ", chosen) : $"cluster {c}";
            }

            return labels;
        }

        /// <summary>Lower-cased words of 3 to 24 letters, digits or underscores containing a letter, without stop words.</summary>
        public static IEnumerable<string> Terms(string text)
        {
            ArgumentNullException.ThrowIfNull(text);
            int length = Math.Min(text.Length, MaxCharsPerPrompt);
            int i = 0;
            while (i < length)
            {
                if (!IsWordChar(text[i]))
                {
                    i++;
                    continue;
                }

                int start = i;
                bool hasLetter = false;
                while (i < length && IsWordChar(text[i]))
                {
                    hasLetter |= char.IsLetter(text[i]);
                    i++;
                }

                int n = i - start;
                if (n < 3 || n > 24 || !hasLetter)
                {
                    continue;
                }

                string term = text.Substring(start, n).ToLowerInvariant();
                if (!StopWords.Contains(term))
                {
                    yield return term;
                }
            }
        }

        private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
    }
}
