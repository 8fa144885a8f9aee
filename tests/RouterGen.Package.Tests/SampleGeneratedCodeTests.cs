using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using RouterGen.Generator.Tests;
using Xunit;

namespace RouterGen.Package.Tests
{
    /// <summary>
    /// Each sample keeps its generated router in samples/&lt;sample&gt;/Generated/ so that a profile change shows up as a code
    /// diff in review: RouterGen.Sample a v1 nearest-cluster router, RouterGen.Sample.MiniLm a format v2 router with learned
    /// heads. These tests fail when a checked-in copy no longer matches what the generator produces.
    /// </summary>
    public sealed class SampleGeneratedCodeTests
    {
        private const string GeneratorFolder = "RouterGen.Generator/RouterGen.Generator.RouterGenerator";

        /// <summary>The samples that check in their generated routers; each project's folder name is its root namespace.</summary>
        public static TheoryData<string> Samples => new() { "RouterGen.Sample", "RouterGen.Sample.MiniLm" };

        private static string RefreshHint(string sample) =>
            $"Refresh it with `dotnet build samples/{sample}` (the build rewrites samples/{sample}/Generated/) and commit the result.";

        [Theory]
        [MemberData(nameof(Samples))]
        public void Checked_in_generated_router_matches_the_generator_output(string sample)
        {
            IReadOnlyList<GeneratedSourceResult> sources = GenerateSampleRouters(sample);
            Assert.NotEmpty(sources);
            foreach (GeneratedSourceResult source in sources)
            {
                string path = RepositoryPaths.Combine("samples", sample, "Generated", GeneratorFolder, source.HintName);
                Assert.True(File.Exists(path), $"The generated router {source.HintName} is not checked in at {path}. {RefreshHint(sample)}");
                Encoding encoding = source.SourceText.Encoding ?? new UTF8Encoding(encoderShouldEmitUTF8Identifier: true);
                byte[] expected = [.. encoding.GetPreamble(), .. encoding.GetBytes(source.SourceText.ToString())];
                byte[] actual = File.ReadAllBytes(path);
                if (!expected.AsSpan().SequenceEqual(actual))
                {
                    Assert.Fail($"{path} is stale: it differs from what the generator makes of the sample's profile{FirstDifference(expected, actual, encoding)}. {RefreshHint(sample)}");
                }
            }
        }

        [Theory]
        [MemberData(nameof(Samples))]
        public void No_stale_extra_files_are_checked_in(string sample)
        {
            var expected = GenerateSampleRouters(sample).Select(s => s.HintName).ToHashSet(StringComparer.Ordinal);
            string folder = RepositoryPaths.Combine("samples", sample, "Generated");
            var actual = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(folder, p).Replace('\\', '/'))
                .ToList();

            foreach (string file in actual)
            {
                Assert.True(
                    file.StartsWith(GeneratorFolder + "/", StringComparison.Ordinal) && expected.Contains(file[(GeneratorFolder.Length + 1)..]),
                    $"samples/{sample}/Generated/{file} is not produced by the generator any more (a renamed or removed profile?); delete it. {RefreshHint(sample)}");
            }
        }

        /// <summary>Runs the generator in-process on the sample's profiles, with the sample's root namespace.</summary>
        private static IReadOnlyList<GeneratedSourceResult> GenerateSampleRouters(string sample)
        {
            var profiles = SampleProfilePaths(sample).Select(p => new InMemoryAdditionalText(p, File.ReadAllText(p))).ToList();
            Assert.NotEmpty(profiles);
            GeneratorOutcome outcome = GeneratorHarness.Run(profiles, sample);
            Assert.Empty(outcome.GeneratorDiagnostics);
            return outcome.Sources;
        }

        /// <summary>The profiles the sample project compiles: its explicit AdditionalFiles plus any *.router.json under it.</summary>
        internal static IReadOnlyList<string> SampleProfilePaths(string sampleName)
        {
            string sample = RepositoryPaths.Combine("samples", sampleName);
            string project = File.ReadAllText(Path.Combine(sample, sampleName + ".csproj"));
            var paths = new List<string>();
            const string Marker = "<AdditionalFiles Include=\"";
            for (int at = project.IndexOf(Marker, StringComparison.Ordinal); at >= 0; at = project.IndexOf(Marker, at + 1, StringComparison.Ordinal))
            {
                int start = at + Marker.Length;
                string include = project[start..project.IndexOf('"', start)];
                paths.Add(Path.GetFullPath(Path.Combine(sample, include)));
            }

            paths.AddRange(Directory.EnumerateFiles(sample, "*.router.json", SearchOption.AllDirectories)
                .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)));
            return paths;
        }

        private static string FirstDifference(byte[] expected, byte[] actual, Encoding encoding)
        {
            string[] want = encoding.GetString(expected).Split('\n');
            string[] have = encoding.GetString(actual).Split('\n');
            for (int i = 0; i < Math.Max(want.Length, have.Length); i++)
            {
                string w = i < want.Length ? want[i] : "(end of file)";
                string h = i < have.Length ? have[i] : "(end of file)";
                if (w != h)
                {
                    return $" (first difference at line {i + 1}: expected \"{Trim(w)}\", checked in \"{Trim(h)}\")";
                }
            }

            return " (same text, different bytes: encoding or line endings)";
        }

        private static string Trim(string line) => line.Length > 120 ? line[..120] + "…" : line.TrimEnd('\r');
    }
}
