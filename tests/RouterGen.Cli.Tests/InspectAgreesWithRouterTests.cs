using System;
using System.Collections.Generic;
using System.IO;
using RouterGen.Cli.Reporting;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Cli.Tests
{
    /// <summary>
    /// What `routergen inspect` reports a cluster's winner to be must be what the router decides for a prompt in that
    /// cluster, including at the knob values where two models tie (the breakpoints), where an independent argmax and the
    /// router's comparisons can disagree by one rounding step.
    /// </summary>
    public sealed class InspectAgreesWithRouterTests
    {
        public static TheoryData<string> ShippedProfiles()
        {
            var data = new TheoryData<string>();
            foreach (string path in Directory.GetFiles(Path.Combine(RepoRoot(), "profiles"), "*.router.json"))
            {
                // inspect's winners are the nearest-cluster rule's; a format-2 profile's estimator decides per prompt
                // (profiles/swebench-verified.minilm.router.json carries linear heads), so it is not this rule's to check.
                if (RouterProfile.Load(path).Definition.Estimator is null)
                {
                    data.Add(Path.GetFileName(path));
                }
            }

            return data;
        }

        [Theory]
        [MemberData(nameof(ShippedProfiles))]
        public void InspectWinnerIsTheRoutersDecisionAtEveryBreakpointAndPreset(string fileName)
        {
            RouterProfile profile = RouterProfile.Load(Path.Combine(RepoRoot(), "profiles", fileName));
            AssertAgreement(profile);
        }

        [Fact]
        public void InspectWinnerIsTheRoutersDecisionForTheHandWrittenProfile()
        {
            AssertAgreement(RouterProfile.FromDefinition(TestProfiles.Create()));
        }

        private static void AssertAgreement(RouterProfile profile)
        {
            int dimension = profile.Tables.Dimension;
            int checkedKnobs = 0;
            for (int cluster = 0; cluster < profile.Tables.ClusterCount; cluster++)
            {
                ReadOnlySpan<float> centroid = profile.UnitCentroids.Slice(cluster * dimension, dimension);
                foreach (RoutingOptions options in KnobsToCheck(profile, cluster))
                {
                    RouteDecision decision = profile.Route(centroid, options);
                    if (decision.ClusterIndex != cluster || decision.IsFallback)
                    {
                        continue; // a duplicate centroid: the prompt belongs to the other cluster
                    }

                    int reported = PresetOutcomes.Winner(profile, cluster, options);
                    Assert.True(
                        reported == decision.ModelIndex,
                        $"cluster {cluster}, {RoutingPolicyNames.Format(options.Policy)} {options.Knob:R}: inspect reports {profile.Tables.ModelIds[reported]}, the router chose {decision.ModelId}");
                    checkedKnobs++;
                }
            }

            Assert.True(checkedKnobs > profile.Tables.ClusterCount, "too few in-distribution checks to mean anything");
        }

        // Every breakpoint, one representable step either side of it, zero, and the profile's presets.
        private static IEnumerable<RoutingOptions> KnobsToCheck(RouterProfile profile, int cluster)
        {
            foreach (RoutingPolicy policy in new[] { RoutingPolicy.CostWeighted, RoutingPolicy.Shortfall })
            {
                yield return new RoutingOptions(policy, 0);
                foreach (double bound in profile.Tables.BreakpointsOf(cluster, policy).UpperBounds)
                {
                    yield return new RoutingOptions(policy, Math.BitDecrement(bound));
                    yield return new RoutingOptions(policy, bound);
                    yield return new RoutingOptions(policy, Math.BitIncrement(bound));
                }
            }

            foreach (NamedOptions preset in PresetOutcomes.Presets(profile))
            {
                yield return preset.Options;
            }
        }

        private static string RepoRoot() => RepositoryRoot.Path;
    }
}
