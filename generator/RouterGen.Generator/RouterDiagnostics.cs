using Microsoft.CodeAnalysis;
using RouterGen.Profiles;

namespace RouterGen.Generator
{
    /// <summary>
    /// Every diagnostic the generator reports, with stable ids shared with <see cref="ProfileProblemIds"/> and tracked in
    /// AnalyzerReleases.*.md. The message is the profile reader's own text, which names the field.
    /// </summary>
    internal static class RouterDiagnostics
    {
        private const string Category = "RouterGen";

        public static readonly DiagnosticDescriptor MalformedJson = Create(ProfileProblemIds.MalformedJson, "Malformed JSON in a router profile");
        public static readonly DiagnosticDescriptor MissingField = Create(ProfileProblemIds.MissingField, "Missing required field");
        public static readonly DiagnosticDescriptor UnknownField = Create(ProfileProblemIds.UnknownField, "Unknown field");
        public static readonly DiagnosticDescriptor WrongType = Create(ProfileProblemIds.WrongType, "Field has the wrong JSON type");
        public static readonly DiagnosticDescriptor UnsupportedFormatVersion = Create(ProfileProblemIds.UnsupportedFormatVersion, "Unsupported profile format version");
        public static readonly DiagnosticDescriptor CentroidDimensionMismatch = Create(ProfileProblemIds.CentroidDimensionMismatch, "Centroid length differs from the embedder dimension");
        public static readonly DiagnosticDescriptor NonFiniteNumber = Create(ProfileProblemIds.NonFiniteNumber, "NaN or Infinity where a finite number is required");
        public static readonly DiagnosticDescriptor DuplicateId = Create(ProfileProblemIds.DuplicateId, "Duplicate model, cluster, preset id or field");
        public static readonly DiagnosticDescriptor QualityOutOfRange = Create(ProfileProblemIds.QualityOutOfRange, "Quality outside [0, 1]");
        public static readonly DiagnosticDescriptor NegativeCost = Create(ProfileProblemIds.NegativeCost, "Negative cost or price");
        public static readonly DiagnosticDescriptor EmptyProfile = Create(ProfileProblemIds.EmptyProfile, "No models or no clusters");
        public static readonly DiagnosticDescriptor UnknownFallbackModel = Create(ProfileProblemIds.UnknownFallbackModel, "Fallback model is not in the model list");
        public static readonly DiagnosticDescriptor DuplicateRouterClass = Create(ProfileProblemIds.DuplicateRouterClass, "Two profiles generate the same router class");
        public static readonly DiagnosticDescriptor ProfileTooLarge = Create(ProfileProblemIds.ProfileTooLarge, "Profile too large to compile sensibly");
        public static readonly DiagnosticDescriptor ClusterModelMismatch = Create(ProfileProblemIds.ClusterModelMismatch, "Cluster statistics name an unknown model or omit one");
        public static readonly DiagnosticDescriptor InvalidValue = Create(ProfileProblemIds.InvalidValue, "Value not allowed");
        public static readonly DiagnosticDescriptor GeneratorFailure = Create(ProfileProblemIds.GeneratorFailure, "Internal generator failure");
        public static readonly DiagnosticDescriptor RouterClassCollidesWithNamespace = Create(ProfileProblemIds.RouterClassCollidesWithNamespace, "Router class has the name of another router's namespace");

        private static readonly DiagnosticDescriptor[] All =
        {
            MalformedJson, MissingField, UnknownField, WrongType, UnsupportedFormatVersion, CentroidDimensionMismatch,
            NonFiniteNumber, DuplicateId, QualityOutOfRange, NegativeCost, EmptyProfile, UnknownFallbackModel,
            DuplicateRouterClass, ProfileTooLarge, ClusterModelMismatch, InvalidValue, GeneratorFailure, RouterClassCollidesWithNamespace,
        };

        /// <summary>The descriptor for a problem id (the generic failure descriptor for an unknown id).</summary>
        public static DiagnosticDescriptor ForId(string id)
        {
            foreach (DiagnosticDescriptor descriptor in All)
            {
                if (descriptor.Id == id)
                {
                    return descriptor;
                }
            }

            return GeneratorFailure;
        }

        private static DiagnosticDescriptor Create(string id, string title) =>
            new DiagnosticDescriptor(id, title, "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, description: "See docs/profile-format.md, section Diagnostics.");
    }
}
