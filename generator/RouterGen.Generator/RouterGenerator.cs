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
            // Ordinal order of paths makes "which duplicate is reported" and the hint names independent of file enumeration order.
            List<RouterOutput> ordered = outputs.OrderBy(o => o.ProfilePath, StringComparer.Ordinal).ToList();

            // Every namespace (and enclosing namespace) a generated router lives in: a class of one of those names would collide.
            var namespaces = new Dictionary<string, RouterOutput>(StringComparer.Ordinal);
            foreach (RouterOutput output in ordered.Where(o => o.FullClassName != null))
            {
                string ns = output.FullClassName!;
                for (int dot = ns.LastIndexOf('.'); dot > 0; dot = ns.LastIndexOf('.'))
                {
                    ns = ns.Substring(0, dot);
                    if (!namespaces.ContainsKey(ns))
                    {
                        namespaces.Add(ns, output);
                    }
                }
            }

            // Case-insensitive: class names differing only in case make hint names (and files on Windows and macOS) clash.
            var firstByClass = new Dictionary<string, RouterOutput>(StringComparer.OrdinalIgnoreCase);
            var hintNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (RouterOutput output in ordered)
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
                    string sameCase = first.FullClassName == output.FullClassName ? "both generate class" : "generate classes differing only in case,";
                    string classes = first.FullClassName == output.FullClassName ? $"'{output.FullClassName}'" : $"'{first.FullClassName}' and '{output.FullClassName}'";
                    ReportAtName(context, output, Profiles.ProfileProblemIds.DuplicateRouterClass,
                        $"Profiles '{Path.GetFileName(first.ProfilePath)}' and '{Path.GetFileName(output.ProfilePath)}' {sameCase} {classes}; rename one (field \"name\") or give it another \"namespace\". Only the first is generated.");
                    continue;
                }

                if (namespaces.TryGetValue(output.FullClassName, out RouterOutput? owner))
                {
                    ReportAtName(context, output, Profiles.ProfileProblemIds.RouterClassCollidesWithNamespace,
                        $"Class '{output.FullClassName}' would collide with the namespace of the router generated from '{Path.GetFileName(owner.ProfilePath)}'; rename it (field \"name\") or change one \"namespace\".");
                    continue;
                }

                firstByClass.Add(output.FullClassName, output);
                string hintName = GeneratedCodeText.HintName(output.FullClassName, hintNames);
                try
                {
                    context.AddSource(hintName, output.Source);
                }
                catch (Exception e) when (!(e is OperationCanceledException))
                {
                    // AddSource throws on a bad or duplicate hint name; a generator bug must not take the build down.
                    ReportAtName(context, output, Profiles.ProfileProblemIds.GeneratorFailure,
                        $"RouterGen failed to add the generated router '{hintName}' ({e.GetType().Name}: {e.Message}). Please report this.");
                }
            }
        }

        private static void ReportAtName(SourceProductionContext context, RouterOutput output, string id, string message)
        {
            DiagnosticInfo at = output.NameLocation ?? new DiagnosticInfo("", "", output.ProfilePath, 0, 0, 1, 1, 1, 1);
            context.ReportDiagnostic(new DiagnosticInfo(id, message, at.Path, at.Start, at.Length, at.Line, at.Column, at.EndLine, at.EndColumn).ToDiagnostic());
        }

        private static bool IsDottedName(string? name) => !string.IsNullOrEmpty(name) && Profiles.RouterClassName.NamespaceProblem(name!) == null;
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
