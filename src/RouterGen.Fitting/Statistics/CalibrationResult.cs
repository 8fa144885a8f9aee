using System.Collections.Generic;
using RouterGen.Profiles;

namespace RouterGen.Fitting
{
    /// <summary>What calibration changed.</summary>
    /// <param name="Profile">The calibrated profile (a new object; the input is not modified).</param>
    /// <param name="Added">Model ids appended to the profile.</param>
    /// <param name="Updated">Model ids whose statistics were replaced.</param>
    /// <param name="PriorStrength">The Beta prior strength used for the new statistics.</param>
    /// <param name="PromptsPerCluster">New-result prompts assigned to each (frozen) cluster.</param>
    public sealed record CalibrationResult(ProfileDefinition Profile, IReadOnlyList<string> Added, IReadOnlyList<string> Updated, double PriorStrength, IReadOnlyList<int> PromptsPerCluster);
}
