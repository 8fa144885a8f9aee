using RouterGen.Profiles;
using Xunit;

namespace RouterGen.Cli.Tests
{
    public sealed class DiffCommandTests
    {
        [Fact]
        public void Identical_profiles_change_nothing()
        {
            using var folder = new TempFolder();
            string a = TestProfiles.Save(TestProfiles.Create(), folder, "a.router.json");
            string b = TestProfiles.Save(TestProfiles.Create(), folder, "b.router.json");

            CliRun run = CliRun.Of("diff", a, b);

            Assert.Equal(0, run.ExitCode);
            Assert.Contains("- models: unchanged (3)", run.Output);
            Assert.Contains("- centroids: unchanged for every matched cluster", run.Output);
            Assert.Contains("## Preset `within-5` (shortfall 0.05)", run.Output);
            Assert.Contains("None of the 3 matched clusters changes its model.", run.Output);
            Assert.Contains("(+0.00 pp)", run.Output);
        }

        [Fact]
        public void Reports_changed_winners_and_sample_weighted_expectations()
        {
            using var folder = new TempFolder();
            string a = TestProfiles.Save(TestProfiles.Create(), folder, "a.router.json");
            ProfileDefinition changed = TestProfiles.Create();
            changed.Clusters[2].Quality = [0.90, 0.95, 0.30]; // sql: mid now beats big
            string b = TestProfiles.Save(changed, folder, "b.router.json");

            CliRun run = CliRun.Of("diff", a, b);

            Assert.Equal(0, run.ExitCode);
            string maxQuality = Section(run.Output, "## Preset `max-quality`");

            // Old: all big, (120·0.8 + 40·0.7 + 60·0.9)/220 = 80.9%, $1; new: sql → mid, (96 + 28 + 57)/220 = 82.3%, (120 + 40 + 18)/220 = $0.8091.
            Assert.Contains("Expected quality 80.9% → 82.3% (+1.36 pp); expected cost $1.00 → $0.8091 (-$0.1909) per request.", maxQuality);
            Assert.Contains("1 of 3 matched clusters change their model:", maxQuality);
            Assert.Contains("| c2      | sql, join, index |      60 | big       |       90.0% |    $1.00 | mid       |       95.0% |    $0.30 |", maxQuality);
            // The "why now" cell is the new router's own explanation of that arm (RouterTables.ExplainWinner).
            Assert.Matches(@"\| (any w|w < [0-9.]+): mid \(quality 95\.0%, \$0\.30\): the highest expected quality \(the cheapest such model\)\. +\|", maxQuality);

            // Under the shortfall preset the sql cluster also moves (big → mid, now the best and cheaper).
            Assert.Contains("1 of 3 matched clusters change their model:", Section(run.Output, "## Preset `within-5`"));
        }

        [Fact]
        public void Reports_added_and_removed_models_clusters_and_presets()
        {
            using var folder = new TempFolder();
            ProfileDefinition before = TestProfiles.Create();
            ProfileDefinition after = TestProfiles.Create();
            after.Models.Add(new ModelDefinition { Id = "tiny", CostPerRequestUsd = 0.001 });
            foreach (ClusterDefinition c in after.Clusters)
            {
                c.Quality = [.. c.Quality, 0.85];
                c.CostUsd = [.. c.CostUsd, 0.001];
            }

            after.Models[0].CostPerRequestUsd = 2.0;
            after.Clusters.RemoveAt(1);
            after.Presets.RemoveAt(2);
            after.Presets[1].Value = 0.1;
            after.Clusters[1].Centroid = [.. after.Clusters[1].Centroid];
            after.Clusters[1].Centroid[0] += 0.5f;
            var extra = TestProfiles.Create().Clusters[1];
            extra.Id = "c9";
            extra.Quality = [.. extra.Quality, 0.2];
            extra.CostUsd = [.. extra.CostUsd, 0.001];
            after.Clusters.Add(extra);
            string a = TestProfiles.Save(before, folder, "a.router.json");
            string b = TestProfiles.Save(after, folder, "b.router.json");

            CliRun run = CliRun.Of("diff", a, b);

            Assert.Equal(0, run.ExitCode);
            Assert.Contains("- models: added tiny ($0.001/request); cost per request changed: big $1.00 → $2.00", run.Output);
            Assert.Contains("- clusters: 3 → 3, 2 matched by id; added c9 \"poem, story, rhyme\"; removed c1 \"poem, story, rhyme\"", run.Output);
            Assert.Contains("- centroids: 1 of 2 matched clusters moved", run.Output);
            Assert.Contains("- presets: within-5 shortfall 0.05 → shortfall 0.1; removed cheap", run.Output);
            Assert.Contains("## Preset `within-5` (shortfall 0.05 → shortfall 0.1)", run.Output);
            Assert.DoesNotContain("## Preset `cheap`", run.Output);

            // The added cluster keeps its old statistics (tiny scores 20% there), so big wins it at max quality.
            Assert.Contains("Winners in added clusters: c9 → big.", Section(run.Output, "## Preset `max-quality`"));
        }

        [Fact]
        public void Output_is_deterministic()
        {
            using var folder = new TempFolder();
            string a = TestProfiles.Save(TestProfiles.Create(), folder, "a.router.json");
            ProfileDefinition changed = TestProfiles.Create();
            changed.Clusters[0].Quality = [0.5, 0.78, 0.40];
            string b = TestProfiles.Save(changed, folder, "b.router.json");

            Assert.Equal(CliRun.Of("diff", a, b).Output, CliRun.Of("diff", a, b).Output);
        }

        private static string Section(string text, string heading)
        {
            int start = text.IndexOf(heading, System.StringComparison.Ordinal);
            Assert.True(start >= 0, $"No section '{heading}' in:\n{text}");
            int end = text.IndexOf("\n## ", start + heading.Length, System.StringComparison.Ordinal);
            return end < 0 ? text[start..] : text[start..end];
        }
    }
}
