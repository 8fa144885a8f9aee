using RouterGen.Profiles;
using Xunit;

namespace RouterGen.Cli.Tests
{
    public sealed class RouteCommandTests
    {
        private const string DjangoPrompt = "How do I write a django queryset migration for this model in the database?";
        private const string PoemPrompt = "Write a short poem with a rhyme about the sea, a little story in verse.";

        [Fact]
        public void Explains_a_shortfall_decision()
        {
            using var folder = new TempFolder();
            string path = TestProfiles.Save(TestProfiles.Create(), folder);

            CliRun run = CliRun.Of("route", "--profile", path, DjangoPrompt, "--preset", "within-5");

            Assert.Equal(0, run.ExitCode);
            Assert.Contains("- options: preset 'within-5' = shortfall 0.05", run.Output);
            Assert.Contains("- nearest cluster: #0 `c0` \"django, queryset, migration\" (120 fit samples)", run.Output);
            Assert.Contains("- decision: **mid** — expected quality 78.0%, expected cost $0.30 per request", run.Output);
            Assert.Contains("models within τ of it: mid, big", run.Output);
            Assert.Contains("mid is the cheapest of them at $0.30 per request, giving up 2.00 pp of expected quality.", run.Output);

            // Ranked: mid (chosen), big (eligible but dearer), small (outside τ).
            Assert.Contains("|    1 | mid   |", run.Output);
            Assert.Contains("|    2 | big   |", run.Output);
            Assert.Matches(@"\|    3 \| small .*outside τ", run.Output);
            Assert.Contains("0.02 ≤ τ < 0.4: mid (quality 78.0%, $0.30): the cheapest model within 2.00 pp of the best quality (80.0%).", run.Output);
        }

        [Fact]
        public void Default_is_maximum_quality_and_cost_weight_moves_to_the_cheap_model()
        {
            using var folder = new TempFolder();
            string path = TestProfiles.Save(TestProfiles.Create(), folder);

            CliRun quality = CliRun.Of("route", "-p", path, PoemPrompt);
            CliRun cheap = CliRun.Of("route", "-p", path, PoemPrompt, "--cost-weight", "0.8");

            Assert.Equal(0, quality.ExitCode);
            Assert.Contains("nearest cluster: #1", quality.Output);
            Assert.Contains("- decision: **big**", quality.Output);
            Assert.Contains("(default: maximum expected quality)", quality.Output);
            Assert.Contains("The runner-up, small", quality.Output);
            Assert.Equal(0, cheap.ExitCode);
            Assert.Contains("- decision: **small**", cheap.Output);
            Assert.Contains("Cost-weighted policy, w = 0.8", cheap.Output);
        }

        [Fact]
        public void Top_clusters_blend_the_nearest_clusters_and_are_checked_against_the_profile()
        {
            using var folder = new TempFolder();
            string path = TestProfiles.Save(TestProfiles.Create(), folder);

            CliRun nearest = CliRun.Of("route", "-p", path, DjangoPrompt, "--top-clusters", "1");
            CliRun blended = CliRun.Of("route", "-p", path, DjangoPrompt, "--top-clusters", "3");
            CliRun tooMany = CliRun.Of("route", "-p", path, DjangoPrompt, "--top-clusters", "4");
            CliRun zero = CliRun.Of("route", "-p", path, DjangoPrompt, "--top-clusters", "0");

            Assert.Equal(0, nearest.ExitCode);
            Assert.DoesNotContain("blended", nearest.Output);
            Assert.Contains("- decision: **big** — expected quality 80.0%, expected cost $1.00 per request", nearest.Output);
            Assert.Equal(0, blended.ExitCode);
            Assert.Contains("- options: cost-weighted 0 (default: maximum expected quality); top 3 clusters blended", blended.Output);
            Assert.Contains("(the cluster's own statistics; the decision used the per-prompt estimate above)", blended.Output);
            // The three clusters' qualities of big are 80%, 70% and 90%: a blend that is none of them alone.
            Assert.Contains("- decision: **big** — expected quality", blended.Output);
            Assert.DoesNotContain("expected quality 80.0%, expected cost $1.00", blended.Output);
            Assert.Equal(1, tooMany.ExitCode);
            Assert.Contains("--top-clusters must be 1 to 3", tooMany.Error);
            Assert.Equal(1, zero.ExitCode);
            Assert.Contains("got 0", zero.Error);
        }

        [Fact]
        public void Builtin_embedder_option_uses_the_profiles_own_parameters()
        {
            using var folder = new TempFolder();
            string path = TestProfiles.Save(TestProfiles.Create(), folder);

            CliRun run = CliRun.Of("route", "-p", path, "--embedder", "builtin", PoemPrompt);

            Assert.Equal(0, run.ExitCode);
            Assert.Equal(CliRun.Of("route", "-p", path, PoemPrompt).Output, run.Output);
        }

        [Fact]
        public void Excluded_models_are_skipped_and_listed()
        {
            using var folder = new TempFolder();
            string path = TestProfiles.Save(TestProfiles.Create(), folder);

            CliRun run = CliRun.Of("route", "-p", path, DjangoPrompt, "--preset", "within-5", "--exclude", "mid");

            Assert.Equal(0, run.ExitCode);
            Assert.Contains("- decision: **big**", run.Output);
            Assert.Contains("excluded: mid", run.Output);
            Assert.Matches(@"\|    - \| mid .*excluded\s+\|", run.Output);
            Assert.Contains("big is the only model within τ, at $1.00 per request.", run.Output);
            Assert.Contains("Some models are excluded", run.Output);
        }

        [Fact]
        public void Out_of_distribution_prompt_takes_the_fallback()
        {
            using var folder = new TempFolder();
            ProfileDefinition profile = TestProfiles.Create();
            profile.Fallback.MinSimilarity = 0.999;
            string path = TestProfiles.Save(profile, folder);

            CliRun run = CliRun.Of("route", "-p", path, DjangoPrompt);
            CliRun excluded = CliRun.Of("route", "-p", path, DjangoPrompt, "--exclude", "big");
            CliRun cheap = CliRun.Of("route", "-p", path, DjangoPrompt, "--cost-weight", "1");

            // Out of distribution, the global statistics decide under the request's own knob (not fallback.model "mid"):
            // big is best globally at maximum quality, small at cost weight 1.
            Assert.Equal(0, run.ExitCode);
            Assert.Contains("- decision: **big** (fallback: out of distribution)", run.Output);
            Assert.Contains("is below the profile's minimum of 0.999", run.Output);
            Assert.Contains("global statistics (fallback)", run.Output);
            Assert.Contains("over the models' global statistics, the best is big (quality", run.Output);
            Assert.Equal(0, excluded.ExitCode);
            Assert.Contains("over the allowed models' global statistics", excluded.Output);
            Assert.DoesNotContain("- decision: **big**", excluded.Output);
            Assert.Contains("- decision: **small** (fallback: out of distribution)", cheap.Output);
        }

        [Fact]
        public void Low_confidence_prompt_takes_the_fallback_and_says_why()
        {
            using var folder = new TempFolder();
            ProfileDefinition profile = TestProfiles.Create();
            // Soft clusters with a margin no blend can clear: every in-distribution prompt is a low-confidence one.
            profile.FormatVersion = ProfileDefinition.EstimatorFormatVersion;
            profile.Estimator = new EstimatorDefinition { Kind = EstimatorDefinition.SoftClustersKind, TopClusters = 2 };
            profile.Fallback.LowConfidenceMargin = 1;
            string path = TestProfiles.Save(profile, folder);

            CliRun run = CliRun.Of("route", "-p", path, DjangoPrompt, "--cost-weight", "1");
            CliRun inspect = CliRun.Of("inspect", path);

            Assert.Equal(0, run.ExitCode);
            Assert.Contains("- decision: **small** (low-confidence fallback: estimate margin ", run.Output);
            Assert.Contains("< 100.00 pp)", run.Output);
            Assert.Contains("Low confidence: the soft-cluster blend's best allowed model", run.Output);
            Assert.Contains("less than the profile's low-confidence margin of 100.00 pp", run.Output);
            Assert.Contains("global statistics (fallback)", run.Output);
            Assert.Equal(0, inspect.ExitCode);
            Assert.Contains("- low-confidence fallback: the global statistics decide when the estimate's best allowed model leads the runner-up by less than 100.00 pp", inspect.Output);
        }

        [Fact]
        public void Empty_prompt_has_no_cluster()
        {
            using var folder = new TempFolder();
            string path = TestProfiles.Save(TestProfiles.Create(), folder);

            CliRun run = CliRun.Of("route", "-p", path, "");

            Assert.Equal(0, run.ExitCode);
            Assert.Contains("no usable embedding", run.Output);
            Assert.Contains("- decision: **big** (fallback: out of distribution)", run.Output);
        }

        [Theory]
        [InlineData("--preset nope", "--preset 'nope' is not a preset")]
        [InlineData("--preset cheap --shortfall 0.1", "Give at most one of --preset, --cost-weight and --shortfall.")]
        [InlineData("--cost-weight 1.5", "--cost-weight must be in [0, 1], got 1.5.")]
        [InlineData("--exclude gpt-9", "--exclude 'gpt-9' is not a model")]
        [InlineData("--exclude big mid small", "--exclude removes every model")]
        public void Bad_options_are_user_errors(string options, string message)
        {
            using var folder = new TempFolder();
            string path = TestProfiles.Save(TestProfiles.Create(), folder);

            CliRun run = CliRun.Of(["route", "-p", path, DjangoPrompt, .. options.Split(' ')]);

            Assert.Equal(1, run.ExitCode);
            Assert.Contains(message, run.Error);
            Assert.Equal("", run.Output);
        }

        [Fact]
        public void Onnx_profile_without_its_embedder_is_refused_with_a_clear_message()
        {
            using var folder = new TempFolder();
            ProfileDefinition profile = TestProfiles.Create();
            var onnx = new OnnxEmbedderParameters { ModelSha256 = new string('a', 64) };
            profile.Embedder = new EmbedderDefinition
            {
                Kind = EmbedderDefinition.OnnxKind,
                Dimension = TestProfiles.Dimension,
                Identity = EmbedderIdentity.ForOnnx(TestProfiles.Dimension, onnx),
                Onnx = onnx,
            };
            string path = TestProfiles.Save(profile, folder);

            CliRun run = CliRun.Of("route", "-p", path, DjangoPrompt);

            Assert.Equal(1, run.ExitCode);
            Assert.Contains("The profile was fit with a 'onnx' embedder; pass --embedder onnx:<dir> with the same model.", run.Error);
        }
    }
}
