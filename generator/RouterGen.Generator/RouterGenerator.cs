using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace RouterGen.Generator
{
    /// <summary>
    /// Compiles every <c>*.router.json</c> AdditionalFile into a static router class. Stages (tracked by name for the
    /// incremental-caching tests): <see cref="TrackingNames.ProfileSource"/> → <see cref="TrackingNames.RouterOutput"/> →
    /// <see cref="TrackingNames.AllRouters"/>. Each stage holds only strings, numbers and equatable arrays.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class RouterGenerator : IIncrementalGenerator
    {
        /// <summary>Default namespace when neither the profile nor the project names one.</summary>
        public const string DefaultNamespace = "RouterGen.Generated";

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValueProvider<string> rootNamespace = context.AnalyzerConfigOptionsProvider
                .Select(static (options, _) =>
                    options.GlobalOptions.TryGetValue("build_property.RootNamespace", out string? ns) && IsDottedName(ns) ? ns! : DefaultNamespace)
                .WithTrackingName(TrackingNames.RootNamespace);

            IncrementalValuesProvider<ProfileSource> sources = context.AdditionalTextsProvider
                .Where(static text => text.Path.EndsWith(".router.json", StringComparison.OrdinalIgnoreCase))
                .Select(static (text, ct) => new ProfileSource(text.Path, text.GetText(ct)?.ToString() ?? string.Empty))
                .WithTrackingName(TrackingNames.ProfileSource);

            IncrementalValuesProvider<RouterOutput> routers = sources
                .Combine(rootNamespace)
                .Select(static (pair, ct) => Build(pair.Left, pair.Right, ct))
                .WithTrackingName(TrackingNames.RouterOutput);

            IncrementalValueProvider<ImmutableArray<RouterOutput>> all = routers.Collect().WithTrackingName(TrackingNames.AllRouters);

            context.RegisterSourceOutput(all, static (spc, outputs) => Emit(spc, outputs));
        }

        private static RouterOutput Build(ProfileSource source, string rootNamespace, CancellationToken cancellationToken)
        {
            try
            {
                return RouterSourceEmitter.Build(source, rootNamespace, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception e)
            {
                // A bug in the generator must not crash the compiler: it becomes a diagnostic on the profile.
                var failure = new DiagnosticInfo(
                    Profiles.ProfileProblemIds.GeneratorFailure,
                    $"RouterGen failed to generate a router from this profile ({e.GetType().Name}: {e.Message}). Please report this.",
                    source.Path, 0, 0, 1, 1, 1, 1);
                return new RouterOutput(source.Path, null, null, null, null, new EquatableArray<DiagnosticInfo>(new[] { failure }));
            }
        }

        private static void Emit(SourceProductionContext context, ImmutableArray<RouterOutput> outputs)
        {
            // Ordinal order of paths makes "which duplicate is reported" independent of file enumeration order.
            var firstByClass = new Dictionary<string, RouterOutput>(StringComparer.Ordinal);
            foreach (RouterOutput output in outputs.OrderBy(o => o.ProfilePath, StringComparer.Ordinal))
            {
                foreach (DiagnosticInfo diagnostic in output.Diagnostics)
                {
                    context.ReportDiagnostic(diagnostic.ToDiagnostic());
                }

                if (output.Source == null || output.FullClassName == null || output.HintName == null)
                {
                    continue;
                }

                if (firstByClass.TryGetValue(output.FullClassName, out RouterOutput? first))
                {
                    DiagnosticInfo at = output.NameLocation ?? new DiagnosticInfo("", "", output.ProfilePath, 0, 0, 1, 1, 1, 1);
                    context.ReportDiagnostic(new DiagnosticInfo(
                        Profiles.ProfileProblemIds.DuplicateRouterClass,
                        $"Profiles '{Path.GetFileName(first.ProfilePath)}' and '{Path.GetFileName(output.ProfilePath)}' both generate class '{output.FullClassName}'; rename one (field \"name\") or give it another \"namespace\". Only the first is generated.",
                        at.Path, at.Start, at.Length, at.Line, at.Column, at.EndLine, at.EndColumn).ToDiagnostic());
                    continue;
                }

                firstByClass.Add(output.FullClassName, output);
                context.AddSource(output.HintName, output.Source);
            }
        }

        private static bool IsDottedName(string? name) =>
            !string.IsNullOrEmpty(name) && name!.Split('.').All(Profiles.ProfileReader.IsIdentifier);
    }

    /// <summary>Names of the tracked pipeline steps (used by the incremental-caching tests).</summary>
    public static class TrackingNames
    {
        /// <summary>The project's root namespace.</summary>
        public const string RootNamespace = nameof(RootNamespace);

        /// <summary>Path and text of each profile.</summary>
        public const string ProfileSource = nameof(ProfileSource);

        /// <summary>Generated source and diagnostics of each profile.</summary>
        public const string RouterOutput = nameof(RouterOutput);

        /// <summary>All profiles' outputs, for the duplicate-class check.</summary>
        public const string AllRouters = nameof(AllRouters);
    }
}
