using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Generator.Tests
{
    /// <summary>Routes a prompt's text; the signature of a built-in-embedder router's second Route overload.</summary>
    internal delegate RouteDecision PromptRoute(ReadOnlySpan<char> prompt, in RoutingOptions options);

    /// <summary>A router generated and compiled in-process, next to the runtime-loaded router of the same profile.</summary>
    internal sealed class RouterPair
    {
        public RouterPair(string name, string json, Type generatedType)
        {
            Name = name;
            Json = json;
            Loaded = RouterProfile.Parse(json, name);
            GeneratedType = generatedType;
            MethodInfo routeEmbedding = generatedType.GetMethod("Route", new[] { typeof(ReadOnlySpan<float>), typeof(RoutingOptions).MakeByRefType() })!;
            Generated = routeEmbedding.CreateDelegate<EmbeddingRouter>();
            MethodInfo? routePrompt = generatedType.GetMethod("Route", new[] { typeof(ReadOnlySpan<char>), typeof(RoutingOptions).MakeByRefType() });
            GeneratedPrompt = routePrompt?.CreateDelegate<PromptRoute>();
        }

        public string Name { get; }

        public string Json { get; }

        public RouterProfile Loaded { get; }

        public Type GeneratedType { get; }

        public EmbeddingRouter Generated { get; }

        public PromptRoute? GeneratedPrompt { get; }

        public override string ToString() => Name;
    }

    /// <summary>Builds profiles (fixtures, repository profiles and random ones) and compiles their generated routers.</summary>
    internal static class GeneratedRouters
    {
        public static RouterPair Compile(string name, string json, bool collectible = true)
        {
            GeneratorOutcome outcome = GeneratorHarness.Run(new InMemoryAdditionalText($"/project/{name}.router.json", json));
            if (outcome.GeneratorDiagnostics.Length > 0)
            {
                throw new InvalidOperationException(string.Join("\n", outcome.GeneratorDiagnostics));
            }

            Assembly assembly = outcome.Load(collectible);
            Type type = assembly.GetTypes().Single(t => t.IsClass && t.IsAbstract && t.IsSealed && t.GetMethod("Route", new[] { typeof(ReadOnlySpan<float>), typeof(RoutingOptions).MakeByRefType() }) != null);
            return new RouterPair(name, json, type);
        }

        public static RouterPair Fixture(string fileName) => Compile(Path.GetFileNameWithoutExtension(fileName), File.ReadAllText(GeneratorHarness.FixturePath(fileName)));

        public static IEnumerable<string> RepositoryProfiles() =>
            Directory.GetFiles(Path.Combine(GeneratorHarness.RepoRoot(), "profiles"), "*.router.json").OrderBy(f => f, StringComparer.Ordinal);

        /// <summary>
        /// A random profile with realistic structure: a few strong expensive models, cheap weak ones, some exact quality and
        /// cost ties (to exercise tie-breaking), and a similarity floor that sends some prompts to the fallback. With an
        /// estimator (format version 2): "linear" gives random calibrated heads scaled so the predictions spread over (0, 1)
        /// ("linear-isotonic": half of them isotonic), "soft-clusters:N" a blend of the N nearest clusters;
        /// <paramref name="lowConfidenceMargin"/> then sets the estimator's low-confidence fallback threshold.
        /// </summary>
        public static string RandomProfileJson(string name, int clusters, int dimension, int models, int seed, float[]? bucketWeights = null, string? estimator = null, CentroidPrecision precision = CentroidPrecision.Float32, double lowConfidenceMargin = 0)
        {
            var random = new Random(seed);
            var hashed = new HashedNgramParameters { BucketWeights = bucketWeights };
            var profile = new ProfileDefinition
            {
                Name = name,
                Namespace = "Random",
                Embedder = new EmbedderDefinition { Kind = EmbedderDefinition.HashedNgramsKind, Dimension = dimension, HashedNgrams = hashed, Identity = EmbedderIdentity.ForHashedNgrams(dimension, hashed) },
                Fallback = new FallbackDefinition { MinSimilarity = 0.12, LowConfidenceMargin = lowConfidenceMargin },
                CentroidPrecision = precision,
            };
            for (int m = 0; m < models; m++)
            {
                profile.Models.Add(new ModelDefinition { Id = $"model-{m:00}", CostPerRequestUsd = Math.Round(Math.Pow(10, -4 + (4.0 * random.NextDouble())), 6) });
            }

            profile.Fallback.Model = profile.Models[random.Next(models)].Id;
            for (int c = 0; c < clusters; c++)
            {
                var cluster = new ClusterDefinition
                {
                    Id = $"c{c:000}",
                    Label = $"cluster {c}",
                    SampleCount = random.Next(1, 200),
                    Centroid = Enumerable.Range(0, dimension).Select(_ => (float)Gaussian(random)).ToArray(),
                    Quality = new double[models],
                    CostUsd = new double[models],
                };
                for (int m = 0; m < models; m++)
                {
                    double strength = (double)m / models;
                    cluster.Quality[m] = random.Next(10) == 0 && m > 0 ? cluster.Quality[m - 1] : Math.Round(Math.Clamp((0.3 + (0.5 * strength)) + ((random.NextDouble() - 0.5) * 0.4), 0, 1), 3);
                    cluster.CostUsd[m] = random.Next(10) == 0 && m > 0 ? cluster.CostUsd[m - 1] : Math.Round(profile.Models[m].CostPerRequestUsd * (0.5 + random.NextDouble()), 6);
                }

                profile.Clusters.Add(cluster);
            }

            profile.Presets.Add(new PresetDefinition { Name = "max-quality", Policy = RoutingPolicy.CostWeighted, Value = 0 });
            profile.Presets.Add(new PresetDefinition { Name = "frugal", Policy = RoutingPolicy.Shortfall, Value = 0.05 });
            if (estimator == EstimatorDefinition.LinearKind)
            {
                profile.Estimator = RandomLinearEstimator(random, models, dimension);
            }
            else if (estimator == LinearIsotonic)
            {
                profile.Estimator = RandomLinearEstimator(random, models, dimension, isotonic: true);
            }
            else if (estimator != null)
            {
                int top = int.Parse(estimator[(EstimatorDefinition.SoftClustersKind.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                profile.Estimator = new EstimatorDefinition { Kind = EstimatorDefinition.SoftClustersKind, TopClusters = top };
            }

            return ProfileWriter.ToJson(profile);
        }

        /// <summary>The estimator name of random profiles whose every other head is isotonic-calibrated (the rest Platt).</summary>
        public const string LinearIsotonic = "linear-isotonic";

        /// <summary>
        /// Random heads whose logits on a unit-scale embedding have a spread of about 1, plus some exact ties between models;
        /// with <paramref name="isotonic"/>, every other head gets a random monotone table over the logits' range instead of Platt.
        /// </summary>
        public static EstimatorDefinition RandomLinearEstimator(Random random, int models, int dimension, bool isotonic = false)
        {
            var estimator = new EstimatorDefinition { Kind = EstimatorDefinition.LinearKind };
            for (int m = 0; m < models; m++)
            {
                LinearHeadDefinition head = m > 0 && random.Next(12) == 0
                    ? estimator.Heads[m - 1]
                    : new LinearHeadDefinition
                    {
                        Weights = Enumerable.Range(0, dimension).Select(_ => (float)(Gaussian(random) / Math.Sqrt(dimension))).ToArray(),
                        Bias = Math.Round((random.NextDouble() - 0.5) * 2, 4),
                        PlattScale = Math.Round(0.5 + random.NextDouble(), 4),
                        PlattOffset = Math.Round((random.NextDouble() - 0.5) * 0.5, 4),
                    };
                if (isotonic && m % 2 == 1 && !ReferenceEquals(head, estimator.Heads[m - 1]))
                {
                    // 2 to 40 points from logit -3 to 3 with flat steps, so prompts land between, on and beyond points.
                    int points = random.Next(2, 41);
                    double logit = -3, quality = Math.Round(random.NextDouble() * 0.3, 3);
                    head.IsotonicLogits = new double[points];
                    head.IsotonicQualities = new double[points];
                    for (int i = 0; i < points; i++)
                    {
                        head.IsotonicLogits[i] = Math.Round(logit, 4);
                        head.IsotonicQualities[i] = quality;
                        logit += 6.0 / points;
                        quality = random.Next(3) == 0 ? quality : Math.Min(1, Math.Round(quality + (random.NextDouble() * 0.7 / points), 3));
                    }

                    (head.PlattScale, head.PlattOffset) = (1, 0);
                }

                estimator.Heads.Add(head);
            }

            return estimator;
        }

        public static double Gaussian(Random random) =>
            Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
