using System;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace RouterGen.Generator.Tests
{
    /// <summary>
    /// A profile is data a team reviews and compiles into its program: no string in it may put code there. Each test
    /// tries one way in (a line break ending a comment, markup ending an XML doc, a quote ending a literal) and either
    /// the reader refuses the string, or the generated router compiles cleanly and declares no member but its own.
    /// </summary>
    public sealed class InjectionTests
    {
        // What an attacker appends after a line break: a module initializer runs when the consumer's assembly loads.
        private const string Payload = "[global::System.Runtime.CompilerServices.ModuleInitializer] internal static void Injected() { }";

        [Fact]
        public void HeldOutMetricKeyWithLineBreakIsRefused()
        {
            string text = DiagnosticTests.Mutate(p => p["provenance"] = new JsonObject { ["heldOutMetrics"] = new JsonObject { ["quality\n" + Payload + "\n//"] = 0.5 } });
            DiagnosticTests.AssertReported(text, "RG0016", "\"quality\\n", message: "provenance.heldOutMetrics key holds the control, line-break or format character U+000A");
        }

        [Theory]
        [InlineData("\u2028")]
        [InlineData("\u0085")]
        [InlineData("\r")]
        [InlineData("\u202E")]
        public void ModelIdWithLineBreakOrBidiOverrideIsRefused(string separator) =>
            DiagnosticTests.AssertReported(DiagnosticTests.Mutate(p => p["models"]![0]!["id"] = "cheap" + separator + Payload), "RG0016", message: "models[0].id holds the control, line-break or format character");

        [Fact]
        public void OnnxPrefixWithLineBreakIsRefused()
        {
            string text = OnnxMutate(p => p["embedder"]!["parameters"]!["prefix"] = "query: \n" + Payload + "\n//");
            DiagnosticTests.AssertReported(text, "RG0016", message: "embedder.parameters.prefix holds the control, line-break or format character U+000A");
        }

        [Theory]
        [InlineData("0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f\n")]
        [InlineData("0F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3D2E1F0")]
        [InlineData("abc")]
        public void ModelSha256ThatIsNotLowerCaseHexOfSha256LengthIsRefused(string hash) =>
            DiagnosticTests.AssertReported(OnnxMutate(p => p["embedder"]!["parameters"]!["modelSha256"] = hash), "RG0016", message: "embedder.parameters.modelSha256");

        [Fact]
        public void UnpairedSurrogateInADescriptionIsRefused() =>
            DiagnosticTests.AssertReported(DiagnosticTests.Mutate(p => p["description"] = "broken SURROGATE text").Replace("SURROGATE", "\\ud800", StringComparison.Ordinal), "RG0016", message: "description holds an unpaired surrogate (U+D800)");

        [Fact]
        public void NoncharacterInALabelIsRefused() =>
            DiagnosticTests.AssertReported(DiagnosticTests.Mutate(p => p["clusters"]![0]!["label"] = "sql\uFFFE"), "RG0016", message: "clusters[0].label holds the noncharacter U+FFFE");

        [Fact]
        public void LabelWithLineBreakStaysInsideComment()
        {
            string text = DiagnosticTests.Mutate(p =>
            {
                p["clusters"]![0]!["label"] = "sql\n" + Payload + "\r\n//";
                p["clusters"]![1]!["label"] = "code\u2028" + Payload + "\u2029\u0085//";
            });
            AssertCompilesWithoutInjectedMember(DiagnosticTests.ProfilePath, text);
        }

        [Fact]
        public void DescriptionWithMarkupStaysInsideXmlDoc()
        {
            string text = DiagnosticTests.Mutate(p =>
            {
                p["description"] = "</summary>\n" + Payload + "\n/// <summary> & <b>";
                p["models"]![0]!["displayName"] = "Cheap </summary><exception cref=\"X\"/> \u0001";
                p["presets"]![0]!["description"] = "\"quoted\" \\ backslash \n" + Payload;
            });
            AssertCompilesWithoutInjectedMember(DiagnosticTests.ProfilePath, text);
        }

        [Fact]
        public void FreeTextWithQuotesAndBackslashesRoundTripsThroughTheStringLiterals()
        {
            string label = "\"); " + Payload + " //\\\u202E\u0000\u2028";
            string text = DiagnosticTests.Mutate(p => p["clusters"]![2]!["label"] = label);
            GeneratorOutcome outcome = AssertCompilesWithoutInjectedMember(DiagnosticTests.ProfilePath, text);
            Type router = outcome.Load().GetType("Fixtures.TinyRouter", throwOnError: true)!;
            var tables = (RouterGen.Routing.RouterTables)router.GetProperty("Tables")!.GetValue(null)!;
            Assert.Equal(label, tables.ClusterLabels[2]);
        }

        [Theory]
        [InlineData("/project/evil\n[global::System.Runtime.CompilerServices.ModuleInitializer] internal static void Injected() { }\n//.router.json")]
        [InlineData("/project/evil\u2028</c></summary>\uFFFE.router.json")]
        public void FileNameWithLineBreakStaysInsideComment(string path) => AssertCompilesWithoutInjectedMember(path, DiagnosticTests.Mutate(_ => { }));

        private static string OnnxMutate(Action<JsonObject> change)
        {
            JsonObject profile = JsonNode.Parse(System.IO.File.ReadAllText(GeneratorHarness.FixturePath("onnx.router.json")))!.AsObject();
            change(profile);
            return profile.ToJsonString();
        }

        private static GeneratorOutcome AssertCompilesWithoutInjectedMember(string path, string text)
        {
            GeneratorOutcome outcome = GeneratorHarness.Run(new InMemoryAdditionalText(path, text));
            Assert.Empty(outcome.GeneratorDiagnostics);
            Assert.Empty(outcome.CompileProblems());
            SyntaxTree generated = Assert.Single(outcome.Compilation.SyntaxTrees, t => t.FilePath.EndsWith(".g.cs", StringComparison.Ordinal));
            SyntaxNode root = generated.GetRoot();
            Assert.DoesNotContain(root.DescendantNodes().OfType<MethodDeclarationSyntax>(), m => m.Identifier.Text == "Injected");
            Assert.DoesNotContain(root.DescendantNodes().OfType<AttributeSyntax>(), a => a.ToString().Contains("ModuleInitializer", StringComparison.Ordinal));

            // Every profile-derived text sits in a comment, a doc comment or a literal: no comment trivia spans two lines.
            foreach (SyntaxTrivia comment in root.DescendantTrivia().Where(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia)))
            {
                FileLinePositionSpan span = comment.GetLocation().GetLineSpan();
                Assert.Equal(span.StartLinePosition.Line, span.EndLinePosition.Line);
            }

            return outcome;
        }
    }
}
