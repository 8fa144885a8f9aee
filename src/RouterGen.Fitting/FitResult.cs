using RouterGen.Profiles;

namespace RouterGen.Fitting
{
    /// <summary>A fitted profile and the held-out evaluation behind its presets.</summary>
    /// <param name="Profile">The profile, ready to save.</param>
    /// <param name="HeldOut">The cross-validated evaluation used for presets and provenance.</param>
    /// <param name="ClusterChoice">How k was chosen, or null when it was given.</param>
    public sealed record FitResult(ProfileDefinition Profile, EvaluationReport HeldOut, ClusterCountChoice? ClusterChoice);
}
