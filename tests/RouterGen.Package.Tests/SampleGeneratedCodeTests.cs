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
    /// The sample keeps its generated router in samples/RouterGen.Sample/Generated/ so that a profile change shows up as a
    /// code diff in review. These tests fail when that checked-in copy no longer matches what the generator produces.
    /// </summary>
    public sealed class SampleGeneratedCodeTests
    {
        private const string SampleRootNamespace = "RouterGen.Sample";
        private const string GeneratorFolder = "RouterGen.Generator/RouterGen.Generator.RouterGenerator";
        private const string RefreshHint =
            "Refresh it with `dotnet build samples/RouterGen.Sample` (the build rewrites samples/RouterGen.Sample/Generated/) and commit the result.";

        [Fact]
        public void Checked_in_generated_router_matches_the_generator_output()
        {
            IReadOnlyList<GeneratedSourceResult> sources = GenerateSampleRouters();
            Assert.NotEmpty(sources);
            foreach (GeneratedSourceResult source in sources)
            {
                string path = RepositoryPaths.Combine("samples", "RouterGen.Sample", "Generated", GeneratorFolder, source.HintName);
                Assert.True(File.Exists(path), $"The generated router {source.HintName} is not checked in at {path}. {RefreshHint}");
                Encoding encoding = source.SourceText.Encoding ?? new UTF8Encoding(encoderShouldEmitUTF8Identifier: true);
                byte[] expected = [.. encoding.GetPreamble(), .. encoding.GetBytes(source.SourceText.ToString())];
                byte[] actual = File.ReadAllBytes(path);
                if (!expected.AsSpan().SequenceEqual(actual))
                {
                    Assert.Fail($"{path} is stale: it differs from what the generator makes of the sample's profile{FirstDifference(expected, actual, encoding)}. {RefreshHint}");
                }
            }
        }

        [Fact]
        public void No_stale_extra_files_are_checked_in()
        {
            var expected = GenerateSampleRouters().Select(s => s.HintName).ToHashSet(StringComparer.Ordinal);
            string folder = RepositoryPaths.Combine("samples", "RouterGen.Sample", "Generated");
            var actual = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(folder, p).Replace('\\', '/'))
                .ToList();

            foreach (string file in actual)
            {
                Assert.True(
                    file.StartsWith(GeneratorFolder + "/", StringComparison.Ordinal) && expected.Contains(file[(GeneratorFolder.Length + 1)..]),
                    $"samples/RouterGen.Sample/Generated/{file} is not produced by the generator any more (a renamed or removed profile?); delete it. {RefreshHint}");
            }
        }

        /// <summary>Runs the generator in-process on the sample's profiles, with the sample's root namespace.</summary>
        private static IReadOnlyList<GeneratedSourceResult> GenerateSampleRouters()
        {
            var profiles = SampleProfilePaths().Select(p => new InMemoryAdditionalText(p, File.ReadAllText(p))).ToList();
            Assert.NotEmpty(profiles);
            GeneratorOutcome outcome = GeneratorHarness.Run(profiles, SampleRootNamespace);
            Assert.Empty(outcome.GeneratorDiagnostics);
            return outcome.Sources;
        }

        /// <summary>The profiles the sample project compiles: its explicit AdditionalFiles plus any *.router.json under it.</summary>
        internal static IReadOnlyList<string> SampleProfilePaths()
        {
            string sample = RepositoryPaths.Combine("samples", "RouterGen.Sample");
            string project = File.ReadAllText(Path.Combine(sample, "RouterGen.Sample.csproj"));
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
