using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace RouterGen.Package.Tests
{
    /// <summary>
    /// Turns the fenced <c>csharp</c> blocks of documentation pages into one source file a consumer project compiles: each
    /// block's <c>using</c> directives go to the top, its statements into a method of their own, and <c>RunAll</c> runs them
    /// in order. A snippet that names a class that does not exist, or forgets a <c>using</c>, fails the build.
    /// </summary>
    internal static class DocumentationSnippets
    {
        public static string ToSource(IEnumerable<string> markdownFiles)
        {
            var usings = new SortedSet<string>(StringComparer.Ordinal);
            var methods = new StringBuilder();
            var calls = new StringBuilder();
            int index = 0;
            foreach (string file in markdownFiles)
            {
                foreach ((int line, List<string> block) in Blocks(file))
                {
                    string name = $"Snippet{index++}";
                    bool isAsync = block.Any(l => l.Contains("await ", StringComparison.Ordinal));
                    methods.AppendLine($"    // {Path.GetFileName(file)}, line {line}");
                    methods.AppendLine($"    private static {(isAsync ? "async global::System.Threading.Tasks.Task" : "void")} {name}()");
                    methods.AppendLine("    {");
                    foreach (string code in block)
                    {
                        if (IsUsingDirective(code))
                        {
                            usings.Add(StripComment(code));
                        }
                        else
                        {
                            methods.AppendLine("        " + code);
                        }
                    }

                    methods.AppendLine("    }");
                    calls.AppendLine(isAsync ? $"        {name}().GetAwaiter().GetResult();" : $"        {name}();");
                }
            }

            if (index == 0)
            {
                throw new InvalidOperationException("No ```csharp block found in " + string.Join(", ", markdownFiles));
            }

            var source = new StringBuilder();
            foreach (string directive in usings)
            {
                source.AppendLine(directive);
            }

            source.AppendLine("internal static class DocumentationSnippets");
            source.AppendLine("{");
            source.AppendLine("    public static void RunAll()");
            source.AppendLine("    {");
            source.Append(calls);
            source.AppendLine("    }");
            source.Append(methods);
            source.AppendLine("}");
            return source.ToString();
        }

        /// <summary>The text of the first block's closing <c>// </c> comment: what the snippet says it prints.</summary>
        public static string ExpectedOutput(string markdownFile)
        {
            List<string> block = Blocks(markdownFile).First().Lines;
            string last = block.Last(l => l.Trim().Length > 0).Trim();
            Xunit.Assert.StartsWith("// ", last);
            return last[3..];
        }

        private static IEnumerable<(int Line, List<string> Lines)> Blocks(string file)
        {
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() != "```csharp")
                {
                    continue;
                }

                var block = new List<string>();
                int start = i + 1;
                for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
                {
                    block.Add(lines[i]);
                }

                yield return (start + 1, block);
            }
        }

        private static bool IsUsingDirective(string line)
        {
            string code = StripComment(line);
            return code.StartsWith("using ", StringComparison.Ordinal) && code.EndsWith(';') && !code.Contains('(', StringComparison.Ordinal) && !code.Contains(" var ", StringComparison.Ordinal);
        }

        private static string StripComment(string line)
        {
            int comment = line.IndexOf("//", StringComparison.Ordinal);
            return (comment < 0 ? line : line[..comment]).Trim();
        }
    }
}
