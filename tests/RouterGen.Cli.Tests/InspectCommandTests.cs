using System.IO;
using Xunit;

namespace RouterGen.Cli.Tests
{
    public sealed class InspectCommandTests
    {
        [Fact]
        public void Summarizes_models_clusters_presets_and_provenance()
        {
            using var folder = new TempFolder();
            string path = TestProfiles.Save(TestProfiles.Create(), folder);

            CliRun run = CliRun.Of("inspect", path);

            Assert.Equal(0, run.ExitCode);
            Assert.Equal("", run.Error);
            Assert.Contains("# Router profile TestRouter", run.Output);
            Assert.Contains("hashed-ngrams, dimension 256", run.Output);
            Assert.Contains("3 models, 3 clusters, 220 fit samples", run.Output);
            Assert.Contains("| small ", run.Output);
            Assert.Contains("estimate", run.Output);
            Assert.Contains("poem, story, rhyme", run.Output);
            Assert.Contains("winner @ within-5", run.Output);
            Assert.Contains("cv10.accuracy", run.Output);
            Assert.Contains("hand-written", run.Output);

            // The django cluster: big at max quality, mid within 5 points, small when cost weighs 0.8.
            string django = Line(run.Output, "django, queryset, migration");
            Assert.Matches(@"\| big \(quality 80\.0%, \$1\.00\) +\| mid \(quality 78\.0%, \$0\.30\) +\| small \(quality 40\.0%, \$0\.02\) +\|", django);

            // Preset expectations are sample-weighted: max quality routes everything to big: (120·0.8 + 40·0.7 + 60·0.9) / 220.
            Assert.Contains("| max-quality | cost-weighted |    0 |            80.9% |", run.Output);
        }

        [Fact]
        public void Names_the_estimator_of_a_version_2_profile()
        {
            using var folder = new TempFolder();
            var profile = TestProfiles.Create();
            profile.Estimator = new RouterGen.Profiles.EstimatorDefinition { Kind = RouterGen.Profiles.EstimatorDefinition.SoftClustersKind, TopClusters = 2 };
            string path = TestProfiles.Save(profile, folder);

            CliRun run = CliRun.Of("inspect", path);

            Assert.Equal(0, run.ExitCode);
            Assert.Contains("- format version: 2", run.Output);
            Assert.Contains("- estimator: soft clusters, the 2 nearest clusters' similarity-weighted quality and cost", run.Output);
        }

        [Fact]
        public void Says_so_when_a_profile_has_no_presets_or_provenance()
        {
            using var folder = new TempFolder();
            var profile = TestProfiles.Create();
            profile.Presets.Clear();
            profile.Provenance = null;
            string path = TestProfiles.Save(profile, folder);

            CliRun run = CliRun.Of("inspect", path);

            Assert.Equal(0, run.ExitCode);
            Assert.Contains("winner @ default (max quality)", run.Output);
            Assert.Contains("The profile records no provenance.", run.Output);
        }

        internal static string Line(string text, string containing)
        {
            foreach (string line in text.Split('\n'))
            {
                if (line.Contains(containing, System.StringComparison.Ordinal))
                {
                    return line;
                }
            }

            throw new InvalidDataException($"No line contains '{containing}' in:\n{text}");
        }
    }
}
