using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RouterGen.Profiles;
using Xunit;

namespace RouterGen.Generator.Tests
{
    /// <summary>
    /// Whatever the reader accepts must compile: names that would not compile (keywords, generated member names, names
    /// that shadow namespaces, all-lower-case names, over-long names) are refused with RG0016 at the value, and the
    /// shapes that once failed to compile (dimension above the stack limit) now compile without any using.
    /// </summary>
    public sealed class CompilabilityTests
    {
        public static TheoryData<string> KeywordNames() => new() { "class", "namespace", "__arglist", "file", "scoped", "required", "record", "var", "dynamic", "global", "nameof" };

        [Theory]
        [MemberData(nameof(KeywordNames))]
        public void KeywordAsRouterNameIsRefused(string keyword) =>
            DiagnosticTests.AssertReported(DiagnosticTests.Mutate(p => p["name"] = keyword), "RG0016", $"\"{keyword}\"");

        [Theory]
        [MemberData(nameof(KeywordNames))]
        public void KeywordAsNamespacePartIsRefused(string keyword) =>
            DiagnosticTests.AssertReported(DiagnosticTests.Mutate(p => p["namespace"] = "Acme." + keyword + ".Routing"), "RG0016", message: $"contains the C# keyword \"{keyword}\"");

        [Fact]
        public void EveryRoslynKeywordIsRefusedAsANamespacePart()
        {
            // The shared list is hand-written (the runtime does not reference Roslyn); this keeps it equal to the compiler's.
            string[] keywords = SyntaxFacts.GetKeywordKinds().Concat(SyntaxFacts.GetContextualKeywordKinds()).Select(SyntaxFacts.GetText).Distinct().ToArray();
            Assert.True(keywords.Length > 100, $"only {keywords.Length} keywords from Roslyn");
            Assert.Equal(Array.Empty<string>(), keywords.Where(k => RouterClassName.NamespaceProblem("Acme." + k) == null).ToArray());
        }

        [Theory]
        [InlineData("Route")]
        [InlineData("Models")]
        [InlineData("Tables")]
        [InlineData("Presets")]
        [InlineData("ModelIndex")]
        [InlineData("Embedder")]
        [InlineData("Dimension")]
        [InlineData("ClusterCount")]
        public void GeneratedMemberNameAsRouterNameIsRefused(string name) =>
            DiagnosticTests.AssertReported(DiagnosticTests.Mutate(p => p["name"] = name), "RG0016", message: "member of every generated router");

        [Fact]
        public void EveryMemberTheEmitterDeclaresIsARefusedRouterName()
        {
            // Derived from what the emitter emits (built-in and ONNX routers), so a new generated member cannot be forgotten.
            GeneratorOutcome outcome = GeneratorHarness.Run(GeneratorHarness.Fixture("tiny.router.json"), GeneratorHarness.Fixture("onnx.router.json"));
            string[] members = outcome.Compilation.SyntaxTrees
                .Where(t => t.FilePath.EndsWith(".g.cs", StringComparison.Ordinal))
                .SelectMany(t => t.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().First().Members)
                .Select(MemberName)
                .Distinct()
                .ToArray();
            Assert.Contains("Route", members);
            Assert.Equal(Array.Empty<string>(), members.Where(m => RouterClassName.NameProblem(m) == null).ToArray());
        }

        [Theory]
        [InlineData("System")]
        [InlineData("RouterGen")]
        [InlineData("Microsoft")]
        public void NameShadowingANamespaceIsRefused(string name) =>
            DiagnosticTests.AssertReported(DiagnosticTests.Mutate(p => p["name"] = name), "RG0016", message: $"would hide the namespace {name}");

        [Theory]
        [InlineData("RouterGen")]
        [InlineData("RouterGen.Routing")]
        [InlineData("RouterGen.Embedding")]
        public void RouterGenOwnNamespaceIsRefused(string ns) =>
            DiagnosticTests.AssertReported(DiagnosticTests.Mutate(p => p["namespace"] = ns), "RG0016", message: "one of RouterGen's own namespaces");

        [Fact]
        public void AllLowerCaseNameIsRefused() =>
            DiagnosticTests.AssertReported(DiagnosticTests.Mutate(p => p["name"] = "router"), "RG0016", "\"router\"", message: "CS8981");

        [Fact]
        public void NameOverTheLengthLimitIsRefused() =>
            DiagnosticTests.AssertReported(DiagnosticTests.Mutate(p => p["name"] = "R" + new string('x', RouterClassName.MaxNameLength)), "RG0016", message: $"at most {RouterClassName.MaxNameLength}");

        [Fact]
        public void NamespaceOverTheLengthLimitIsRefused() =>
            DiagnosticTests.AssertReported(DiagnosticTests.Mutate(p => p["namespace"] = string.Join(".", Enumerable.Repeat("Abcdefgh", 40))), "RG0016", message: $"at most {RouterClassName.MaxNamespaceLength}");

        [Fact]
        public void NameAtTheLengthLimitCompiles()
        {
            string name = "R" + new string('x', RouterClassName.MaxNameLength - 1);
            GeneratorOutcome outcome = GeneratorHarness.Run(new InMemoryAdditionalText(DiagnosticTests.ProfilePath, DiagnosticTests.Mutate(p => p["name"] = name)));
            Assert.Empty(outcome.GeneratorDiagnostics);
            Assert.Empty(outcome.CompileProblems());
        }

        [Fact]
        public void BuiltInEmbedderAboveTheStackLimitCompilesWithoutUsings()
        {
            // 2048 dimensions: the prompt overload rents from the pool instead of stackalloc, all through global:: names.
            const int dimension = 2048;
            var random = new Random(5);
            string text = DiagnosticTests.Mutate(p =>
            {
                p["embedder"]!["dimension"] = dimension;
                p["embedder"]!["identity"] = EmbedderIdentity.ForHashedNgrams(dimension, new HashedNgramParameters());
                foreach (JsonNode? cluster in p["clusters"]!.AsArray())
                {
                    cluster!["centroid"] = new JsonArray(Enumerable.Range(0, dimension).Select(_ => (JsonNode?)JsonValue.Create(random.NextDouble() - 0.5)).ToArray());
                }
            });
            GeneratorOutcome outcome = GeneratorHarness.Run(new InMemoryAdditionalText(DiagnosticTests.ProfilePath, text));
            Assert.Empty(outcome.GeneratorDiagnostics);
            Assert.Contains(outcome.Sources, s => s.SourceText.ToString().Contains("ArrayPool<float>.Shared.Rent", StringComparison.Ordinal));
            Assert.Empty(outcome.CompileProblems());
        }

        [Fact]
        public void ClassNamesDifferingOnlyInCaseAreRG0013AndNeverCrashTheGenerator()
        {
            // Hint names compare case-insensitively: AddSource used to throw outside the failure guard here.
            string upper = DiagnosticTests.Mutate(p => p["name"] = "TinyRouter");
            string lower = DiagnosticTests.Mutate(p => p["name"] = "Tinyrouter");
            Diagnostic diagnostic = DiagnosticTests.AssertSecondProfileRefused(upper, lower, "RG0013", "\"Tinyrouter\"");
            Assert.Contains("differing only in case", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        [Fact]
        public void ClassWithTheNameOfAnotherRoutersNamespaceIsRG0018()
        {
            string inner = DiagnosticTests.Mutate(p => p["namespace"] = "Acme.Routing");
            string outer = DiagnosticTests.Mutate(p =>
            {
                p["namespace"] = "Acme";
                p["name"] = "Routing";
            });
            DiagnosticTests.AssertSecondProfileRefused(inner, outer, "RG0018", "\"Routing\"");
        }

        [Fact]
        public void OutputStaysLinearInTheInputWithLongIdsAndLabels()
        {
            // One model id and every label at the reader's limits, over 60 clusters: comments copy a bounded prefix and
            // never pad every row to the longest id, so what the long strings add to the output is a small multiple of what
            // they add to the profile (measured 1.4x; padding every row made a 1.1 MB profile 64.75 M characters of C#).
            string baseline = ManyClusters(longStrings: false);
            string hostile = ManyClusters(longStrings: true);
            int baselineOut = GeneratedLength(baseline), hostileOut = GeneratedLength(hostile);
            int addedIn = hostile.Length - baseline.Length, addedOut = hostileOut - baselineOut;
            Assert.True(addedOut <= 2 * addedIn, $"long strings added {addedIn} characters to the profile and {addedOut} to the generated code");
        }

        private static string ManyClusters(bool longStrings) => DiagnosticTests.Mutate(p =>
        {
            string oldId = p["models"]![0]!["id"]!.GetValue<string>();
            string newId = longStrings ? "m" + new string('x', ProfileReader.MaxIdLength - 1) : "m";
            p["models"]![0]!["id"] = newId;
            if (p["fallback"]!["model"]!.GetValue<string>() == oldId)
            {
                p["fallback"]!["model"] = newId;
            }

            JsonArray clusters = p["clusters"]!.AsArray();
            JsonNode template = clusters[0]!.DeepClone();
            clusters.Clear();
            for (int c = 0; c < 60; c++)
            {
                JsonNode cluster = template.DeepClone();
                cluster["id"] = "c" + c.ToString(System.Globalization.CultureInfo.InvariantCulture);
                cluster["label"] = longStrings ? new string('l', ProfileReader.MaxLabelLength) : "l";
                JsonObject stats = cluster["stats"]!.AsObject();
                JsonNode? entry = stats[oldId];
                stats.Remove(oldId);
                stats[newId] = entry;
                clusters.Add(cluster);
            }
        });

        private static int GeneratedLength(string text)
        {
            GeneratorOutcome outcome = GeneratorHarness.Run(new InMemoryAdditionalText(DiagnosticTests.ProfilePath, text));
            Assert.Empty(outcome.GeneratorDiagnostics);
            Assert.Empty(outcome.CompileProblems());
            return outcome.Sources.Single().SourceText.Length;
        }

        [Fact]
        public void IdOverTheLengthLimitIsRefused() =>
            DiagnosticTests.AssertReported(DiagnosticTests.Mutate(p => p["clusters"]![0]!["id"] = new string('c', ProfileReader.MaxIdLength + 1)), "RG0016", message: $"at most {ProfileReader.MaxIdLength}");

        [Fact]
        public void LabelOverTheLengthLimitIsRefused() =>
            DiagnosticTests.AssertReported(DiagnosticTests.Mutate(p => p["clusters"]![0]!["label"] = new string('l', ProfileReader.MaxLabelLength + 1)), "RG0016", message: $"at most {ProfileReader.MaxLabelLength}");

        private static string MemberName(MemberDeclarationSyntax member) => member switch
        {
            TypeDeclarationSyntax t => t.Identifier.Text,
            MethodDeclarationSyntax m => m.Identifier.Text,
            PropertyDeclarationSyntax p => p.Identifier.Text,
            FieldDeclarationSyntax f => f.Declaration.Variables.Single().Identifier.Text,
            _ => throw new InvalidOperationException("unexpected member kind " + member.Kind()),
        };
    }
}
