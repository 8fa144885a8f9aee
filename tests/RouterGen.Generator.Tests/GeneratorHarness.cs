extern alias generator;

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using RouterGenerator = generator::RouterGen.Generator.RouterGenerator;

namespace RouterGen.Generator.Tests
{
    /// <summary>Runs the generator in-process on profile texts, the way the compiler does, and compiles the result.</summary>
    internal static class GeneratorHarness
    {
        // Diagnose: XML doc comments are parsed and checked, so a profile string that breaks a doc comment is a warning here.
        public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

        private static readonly Lazy<MetadataReference[]> References = new(() =>
        {
            string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
            var paths = tpa.Split(Path.PathSeparator).Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll").ToList();
            paths.Add(typeof(RouterGen.Routing.RouterTables).Assembly.Location);
            return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
        });

        public static string FixturePath(string fileName) => Path.Combine(AppContext.BaseDirectory, "Profiles", fileName);

        public static string RepoRoot([CallerFilePath] string thisFile = "")
        {
            string? dir = Path.GetDirectoryName(thisFile);
            while (dir != null && !File.Exists(Path.Combine(dir, "RouterGen.sln")))
            {
                dir = Path.GetDirectoryName(dir);
            }

            return dir ?? throw new InvalidOperationException("RouterGen.sln not found above " + thisFile);
        }

        public static CSharpCompilation CreateCompilation(params SyntaxTree[] trees) =>
            CSharpCompilation.Create(
                "GeneratedRouters",
                trees,
                References.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));

        public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText> profiles, string? rootNamespace = "TestProject") =>
            CSharpGeneratorDriver.Create(
                new[] { new RouterGenerator().AsSourceGenerator() },
                profiles,
                ParseOptions,
                new TestOptionsProvider(rootNamespace),
                new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

        /// <summary>Runs the generator once over the given profiles.</summary>
        public static GeneratorOutcome Run(params InMemoryAdditionalText[] profiles) => Run(profiles, "TestProject");

        public static GeneratorOutcome Run(IEnumerable<InMemoryAdditionalText> profiles, string? rootNamespace)
        {
            CSharpCompilation compilation = CreateCompilation(CSharpSyntaxTree.ParseText("namespace TestProject { internal static class Anchor { } }", ParseOptions));
            GeneratorDriver driver = CreateDriver(profiles, rootNamespace).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
            return new GeneratorOutcome(driver.GetRunResult(), (CSharpCompilation)output, diagnostics);
        }

        public static InMemoryAdditionalText Fixture(string fileName) => new(FixturePath(fileName), File.ReadAllText(FixturePath(fileName)));

        /// <summary>Emits a compilation and loads it into its own context (collectible for tests) sharing RouterGen.dll with the caller.</summary>
        public static Assembly LoadCompilation(Compilation compilation, bool collectible = true)
        {
            using var stream = new MemoryStream();
            Microsoft.CodeAnalysis.Emit.EmitResult emit = compilation.Emit(stream);
            if (!emit.Success)
            {
                throw new InvalidOperationException("Generated code does not compile:\n" + string.Join("\n", emit.Diagnostics));
            }

            stream.Position = 0;
            return new AssemblyLoadContext("generated-routers", isCollectible: collectible).LoadFromStream(stream);
        }
    }

    /// <summary>The generator's output and the compilation that includes it.</summary>
    internal sealed class GeneratorOutcome
    {
        public GeneratorOutcome(GeneratorDriverRunResult result, CSharpCompilation compilation, ImmutableArray<Diagnostic> generatorDiagnostics)
        {
            Result = result;
            Compilation = compilation;
            GeneratorDiagnostics = generatorDiagnostics;
        }

        public GeneratorDriverRunResult Result { get; }

        public CSharpCompilation Compilation { get; }

        public ImmutableArray<Diagnostic> GeneratorDiagnostics { get; }

        public IReadOnlyList<GeneratedSourceResult> Sources => Result.Results.Single().GeneratedSources;

        public string SourceText(string hintName) => Sources.Single(s => s.HintName == hintName).SourceText.ToString();

        /// <summary>Compile errors and warnings of the generated code (the anchor file has none).</summary>
        public IReadOnlyList<Diagnostic> CompileProblems() =>
            Compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();

        /// <summary>Emits the compilation and loads it into its own context (collectible for tests) sharing RouterGen.dll with the caller.</summary>
        public Assembly Load(bool collectible = true) => GeneratorHarness.LoadCompilation(Compilation, collectible);
    }

    internal sealed class InMemoryAdditionalText : AdditionalText
    {
        private readonly SourceText _text;

        public InMemoryAdditionalText(string path, string text)
        {
            Path = path;
            _text = SourceText.From(text);
        }

        public override string Path { get; }

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }

    internal sealed class TestOptionsProvider : AnalyzerConfigOptionsProvider
    {
        private readonly TestOptions _global;

        public TestOptionsProvider(string? rootNamespace)
        {
            _global = new TestOptions(rootNamespace == null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["build_property.RootNamespace"] = rootNamespace });
        }

        public override AnalyzerConfigOptions GlobalOptions => _global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => TestOptions.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => TestOptions.Empty;

        private sealed class TestOptions : AnalyzerConfigOptions
        {
            public static readonly TestOptions Empty = new(new Dictionary<string, string>());

            private readonly Dictionary<string, string> _values;

            public TestOptions(Dictionary<string, string> values)
            {
                _values = values;
            }

            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => _values.TryGetValue(key, out value);
        }
    }
}
