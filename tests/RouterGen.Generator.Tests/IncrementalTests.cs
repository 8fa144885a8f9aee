extern alias generator;

using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using TrackingNames = generator::RouterGen.Generator.TrackingNames;

namespace RouterGen.Generator.Tests
{
    /// <summary>
    /// The generator must not redo work the compiler can reuse: editing an unrelated file or another profile leaves each
    /// router's pipeline step Cached or Unchanged. Pipeline values must never hold compiler objects.
    /// </summary>
    public sealed class IncrementalTests
    {
        private static readonly string[] TrackedSteps = { TrackingNames.ProfileSource, TrackingNames.RouterOutput };

        [Fact]
        public void AddingUnrelatedSourceFileDoesNotRegenerateRouters()
        {
            (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun(Tiny(), Onnx());
            CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace TestProject { class Unrelated { } }", GeneratorHarness.ParseOptions));
            GeneratorDriverRunResult second = driver.RunGenerators(edited).GetRunResult();

            AssertAllStepsReused(second, TrackedSteps);
            Assert.All(second.Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        }

        [Fact]
        public void EditingAnotherProfileDoesNotRegenerateThisRouter()
        {
            InMemoryAdditionalText onnx = Onnx();
            (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun(Tiny(), onnx);
            var editedOnnx = new InMemoryAdditionalText(onnx.Path, onnx.GetText()!.ToString().Replace("\"minSimilarity\": 0.05", "\"minSimilarity\": 0.07", StringComparison.Ordinal));
            driver = driver.ReplaceAdditionalText(onnx, editedOnnx);
            GeneratorDriverRunResult second = driver.RunGenerators(compilation).GetRunResult();

            IncrementalGeneratorRunStep[] outputs = second.Results.Single().TrackedSteps[TrackingNames.RouterOutput].ToArray();
            Assert.Equal(2, outputs.Length);
            IncrementalStepRunReason Reason(string fileName) => outputs
                .Single(step => ProfilePathOf(step.Outputs.Single().Value).EndsWith(fileName, StringComparison.Ordinal))
                .Outputs.Single().Reason;
            Assert.Equal(IncrementalStepRunReason.Cached, Reason("tiny.router.json"));
            Assert.Equal(IncrementalStepRunReason.Modified, Reason("onnx.router.json"));
        }

        [Fact]
        public void RerunningWithNoChangeReusesEveryStep()
        {
            (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun(Tiny());
            GeneratorDriverRunResult second = driver.RunGenerators(compilation.Clone()).GetRunResult();
            AssertAllStepsReused(second, new[] { TrackingNames.RootNamespace, TrackingNames.ProfileSource, TrackingNames.RouterOutput, TrackingNames.AllRouters });
        }

        [Fact]
        public void PipelineValuesHoldNoCompilerObjects()
        {
            (GeneratorDriver driver, _) = FirstRun(Tiny(), Onnx());
            GeneratorRunResult result = driver.GetRunResult().Results.Single();
            // Our named steps only: the compiler's own input steps (AdditionalTexts, Compilation) hold those objects by design.
            string[] ours = { TrackingNames.RootNamespace, TrackingNames.ProfileSource, TrackingNames.RouterOutput, TrackingNames.AllRouters };
            foreach (KeyValuePair<string, ImmutableArray<IncrementalGeneratorRunStep>> step in result.TrackedSteps.Where(s => ours.Contains(s.Key)))
            {
                foreach (IncrementalGeneratorRunStep run in step.Value)
                {
                    foreach ((object value, IncrementalStepRunReason _) in run.Outputs)
                    {
                        AssertNoCompilerObjects(value, step.Key, new HashSet<object>(ReferenceEqualityComparer.Instance));
                    }
                }
            }
        }

        private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun(params InMemoryAdditionalText[] profiles)
        {
            CSharpCompilation compilation = GeneratorHarness.CreateCompilation(CSharpSyntaxTree.ParseText("namespace TestProject { class Anchor { } }", GeneratorHarness.ParseOptions));
            GeneratorDriver driver = GeneratorHarness.CreateDriver(profiles).RunGenerators(compilation);
            return (driver, compilation);
        }

        private static string ProfilePathOf(object routerOutput) =>
            (string)routerOutput.GetType().GetProperty("ProfilePath")!.GetValue(routerOutput)!;

        private static InMemoryAdditionalText Tiny() => GeneratorHarness.Fixture("tiny.router.json");

        private static InMemoryAdditionalText Onnx() => GeneratorHarness.Fixture("onnx.router.json");

        private static void AssertAllStepsReused(GeneratorDriverRunResult run, IEnumerable<string> stepNames)
        {
            GeneratorRunResult result = run.Results.Single();
            foreach (string name in stepNames)
            {
                Assert.True(result.TrackedSteps.ContainsKey(name), $"step {name} was not tracked");
                foreach (IncrementalGeneratorRunStep step in result.TrackedSteps[name])
                {
                    foreach ((object _, IncrementalStepRunReason reason) in step.Outputs)
                    {
                        Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {name} output was {reason}");
                    }
                }
            }
        }

        private static void AssertNoCompilerObjects(object? value, string step, HashSet<object> seen)
        {
            if (value is null || value is string || value.GetType().IsPrimitive || value is Enum || !seen.Add(value))
            {
                return;
            }

            Assert.False(value is Compilation or ISymbol or SyntaxNode or SyntaxTree or AdditionalText or SemanticModel, $"step {step} holds a {value.GetType().Name}");
            if (value is IEnumerable items)
            {
                foreach (object? item in items)
                {
                    AssertNoCompilerObjects(item, step, seen);
                }

                return;
            }

            // Walk only our own model types and tuples; framework internals are not pipeline data.
            Type type = value.GetType();
            if (!(type.Namespace ?? "").StartsWith("RouterGen", StringComparison.Ordinal) && !type.FullName!.StartsWith("System.ValueTuple", StringComparison.Ordinal))
            {
                return;
            }

            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                AssertNoCompilerObjects(field.GetValue(value), step, seen);
            }
        }
    }
}
