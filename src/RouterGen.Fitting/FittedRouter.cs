using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Fitting
{
    /// <summary>A profile fit on some prompts, ready to route.</summary>
    /// <param name="Profile">The profile (no presets yet; see <see cref="FitPipeline"/>).</param>
    /// <param name="Router">The runtime router over the profile: the same decisions a generated router makes.</param>
    /// <param name="Statistics">The shrunk statistics.</param>
    /// <param name="Clustering">The k-means result over the fit rows.</param>
    public sealed record FittedRouter(ProfileDefinition Profile, RouterProfile Router, ClusterStatistics Statistics, KMeansResult Clustering);
}
