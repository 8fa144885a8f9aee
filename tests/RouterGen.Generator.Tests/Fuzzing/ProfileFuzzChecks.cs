using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Generator.Tests.Fuzzing
{
    /// <summary>One profile (or a set compiled together) given to the generator: the path it is at and its text.</summary>
    internal sealed record FuzzInput(string Path, string Text, string Origin);

    /// <summary>What a fuzz run saw: counts of each outcome and every broken property, with the input that broke it.</summary>
    internal sealed class FuzzReport
    {
        public int Inputs { get; set; }

        public int Refused { get; set; }

        public int Accepted { get; set; }

        public int DistinctAcceptedOutputs { get; set; }

        public int Compilations { get; set; }

        public int RoutedEmbeddings { get; set; }

        public SortedDictionary<string, int> RefusalsById { get; } = new(StringComparer.Ordinal);

        /// <summary>Per input path: "accepted", or the refusal's diagnostic ids joined by commas.</summary>
        public Dictionary<string, string> Outcomes { get; } = new(StringComparer.Ordinal);

        public List<string> Failures { get; } = new();

        public void Fail(FuzzInput input, string what) =>
            Failures.Add($"{what} [{input.Origin}, {input.Path}] {ProfileMutator.Preview(input.Text)}");

        public override string ToString() =>
            $"{Inputs} inputs: {Refused} refused ({string.Join(", ", RefusalsById.Select(p => $"{p.Key} x{p.Value}"))}), {Accepted} accepted " +
            $"({DistinctAcceptedOutputs} distinct outputs, compiled in {Compilations} compilations, {RoutedEmbeddings} embeddings routed by both routers); " +
            $"{Failures.Count} failures";
    }

    /// <summary>
    /// The properties every profile must have, checked through the generator in-process: no exception escapes; a refusal
    /// is only RG diagnostics (never RG0017, the crash guard) located inside the profile; the runtime reader refuses
    /// exactly what the generator refuses, with the same ids; an accepted profile's router is at most linear in its size,
    /// compiles with no usings and warnings as errors (doc comments checked) and routes like <c>RouterProfile.Parse</c>'s router.
    /// </summary>
    internal static class ProfileFuzzChecks
    {
        // Routers compiled per compilation: Roslyn's fixed cost per compilation dominates small routers.
        private const int RoutersPerCompilation = 40;

        private const int EmbeddingsPerRouter = 24;

        // Output must stay linear and small in the input: a centroid number written as "1" in the profile becomes a
        // normalised round-trip float literal (up to 14 characters) in the code; everything else is bounded copying.
        private const int MaxOutputPerInputCharacter = 10;

        // The fixed part of every router: member docs, the Route methods, the winners' switch scaffolding.
        private const int FixedOutputAllowance = 64 * 1024;

        public static FuzzReport Run(IReadOnlyList<FuzzInput> inputs)
        {
            var report = new FuzzReport { Inputs = inputs.Count };
            var accepted = new List<(FuzzInput Input, string ClassName, string Source)>();
            foreach (FuzzInput input in inputs)
            {
                if (CheckGeneratorAndRuntime(input, report) is (string className, string source))
                {
                    accepted.Add((input, className, source));
                }
            }

            report.Accepted = accepted.Count;
            var distinct = accepted.GroupBy(a => a.Source, StringComparer.Ordinal).Select(g => g.First()).ToList();
            report.DistinctAcceptedOutputs = distinct.Count;
            foreach (List<(FuzzInput Input, string ClassName, string Source)> batch in Batches(distinct))
            {
                CompileAndRoute(batch, report);
            }

            return report;
        }

        private static (string ClassName, string Source)? CheckGeneratorAndRuntime(FuzzInput input, FuzzReport report)
        {
            GeneratorOutcome outcome;
            try
            {
                outcome = GeneratorHarness.Run(new InMemoryAdditionalText(input.Path, input.Text));
            }
            catch (Exception e)
            {
                report.Fail(input, "exception escaped the generator driver: " + e);
                return null;
            }

            GeneratorRunResult run = outcome.Result.Results.Single();
            if (run.Exception != null)
            {
                report.Fail(input, "generator threw: " + run.Exception);
                return null;
            }

            ImmutableArray<Diagnostic> diagnostics = outcome.GeneratorDiagnostics;
            foreach (Diagnostic d in diagnostics)
            {
                FileLinePositionSpan span = d.Location.GetLineSpan();
                if (!d.Id.StartsWith("RG", StringComparison.Ordinal) || d.Id == ProfileProblemIds.GeneratorFailure)
                {
                    report.Fail(input, $"diagnostic {d.Id} is not a profile refusal: {d}");
                }
                else if (span.Path != input.Path || d.Location.SourceSpan.End > input.Text.Length || span.StartLinePosition.Line > input.Text.Count(c => c == '\n'))
                {
                    report.Fail(input, $"diagnostic {d.Id} is not located inside the profile: {span}, span {d.Location.SourceSpan}");
                }
            }

            string[] runtimeIds;
            try
            {
                RouterProfile.Parse(input.Text, input.Path);
                runtimeIds = Array.Empty<string>();
            }
            catch (ProfileException e)
            {
                runtimeIds = e.Problems.Select(p => p.Id).ToArray();
            }
            catch (Exception e)
            {
                report.Fail(input, "RouterProfile.Parse threw something other than ProfileException: " + e);
                return null;
            }

            string generatorIds = string.Join(",", diagnostics.Select(d => d.Id).OrderBy(id => id, StringComparer.Ordinal));
            report.Outcomes[input.Path] = diagnostics.Length == 0 ? "accepted" : generatorIds;
            string readerIds = string.Join(",", runtimeIds.OrderBy(id => id, StringComparer.Ordinal));
            if (generatorIds != readerIds)
            {
                report.Fail(input, $"the generator reported [{generatorIds}] but the runtime [{readerIds}]");
                return null;
            }

            if (diagnostics.Length > 0)
            {
                report.Refused++;
                foreach (string id in diagnostics.Select(d => d.Id).Distinct())
                {
                    report.RefusalsById[id] = report.RefusalsById.GetValueOrDefault(id) + 1;
                }

                if (outcome.Sources.Count > 0)
                {
                    report.Fail(input, "a refused profile still generated source");
                }

                return null;
            }

            if (outcome.Sources.Count != 1)
            {
                report.Fail(input, $"an accepted profile generated {outcome.Sources.Count} files");
                return null;
            }

            GeneratedSourceResult generated = outcome.Sources[0];
            if (generated.SourceText.Length > MaxOutputPerInputCharacter * input.Text.Length + FixedOutputAllowance)
            {
                report.Fail(input, $"{generated.SourceText.Length} characters generated from {input.Text.Length}: output is not linear and small in the input");
            }

            return (generated.HintName.Substring(0, generated.HintName.Length - ".g.cs".Length), generated.SourceText.ToString());
        }

        // Routers compiled together must not collide: distinct class names ignoring case, no class named like a namespace.
        private static IEnumerable<List<(FuzzInput Input, string ClassName, string Source)>> Batches(List<(FuzzInput Input, string ClassName, string Source)> routers)
        {
            var pending = new List<(FuzzInput Input, string ClassName, string Source)>(routers);
            while (pending.Count > 0)
            {
                var batch = new List<(FuzzInput Input, string ClassName, string Source)>();
                var classes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                var namespaces = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach ((FuzzInput Input, string ClassName, string Source) router in pending.ToList())
                {
                    string[] enclosing = Enclosing(router.ClassName).ToArray();
                    if (batch.Count >= RoutersPerCompilation || classes.Contains(router.ClassName) || namespaces.Contains(router.ClassName) ||
                        enclosing.Any(classes.Contains))
                    {
                        continue;
                    }

                    batch.Add(router);
                    classes.Add(router.ClassName);
                    namespaces.UnionWith(enclosing);
                    pending.Remove(router);
                }

                yield return batch;
            }
        }

        private static IEnumerable<string> Enclosing(string fullName)
        {
            for (int dot = fullName.LastIndexOf('.'); dot > 0; dot = fullName.LastIndexOf('.', dot - 1))
            {
                yield return fullName.Substring(0, dot);
            }
        }

        private static void CompileAndRoute(List<(FuzzInput Input, string ClassName, string Source)> batch, FuzzReport report)
        {
            report.Compilations++;
            var trees = batch.Select((r, i) => CSharpSyntaxTree.ParseText(r.Source, GeneratorHarness.ParseOptions, path: $"router{i}.g.cs")).ToArray();
            CSharpCompilation compilation = GeneratorHarness.CreateCompilation(trees);
            var broken = new HashSet<int>();
            foreach (Diagnostic d in compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning))
            {
                int index = Array.IndexOf(trees, d.Location.SourceTree);
                if (index < 0)
                {
                    report.Fail(batch[0].Input, "compile problem outside any router: " + d);
                    return;
                }

                if (broken.Add(index))
                {
                    report.Fail(batch[index].Input, "accepted profile does not compile cleanly: " + d);
                }
            }

            if (broken.Count > 0)
            {
                return;
            }

            Assembly assembly = GeneratorHarness.LoadCompilation(compilation);
            foreach ((FuzzInput input, string className, _) in batch)
            {
                try
                {
                    Type type = assembly.GetType(className, throwOnError: true)!;
                    var pair = new RouterPair(className, input.Text, type);
                    int mismatches = DifferentialTests.CompareOnRandomEmbeddings(pair, seed: input.Path.Length, EmbeddingsPerRouter);
                    report.RoutedEmbeddings += EmbeddingsPerRouter;
                    if (mismatches > 0)
                    {
                        report.Fail(input, $"generated router disagrees with RouterProfile.Parse's on {mismatches} of {EmbeddingsPerRouter} embeddings");
                    }
                }
                catch (Exception e)
                {
                    report.Fail(input, "routing the accepted profile threw: " + e);
                }
            }
        }
    }
}
