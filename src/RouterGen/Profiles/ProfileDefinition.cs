// Shared between the runtime and the source generator (linked source, netstandard2.0).
using System.Collections.Generic;
using RouterGen.Embedding;
using RouterGen.Routing;

namespace RouterGen.Profiles
{
    /// <summary>
    /// A router profile as read from a <c>*.router.json</c> file: centroids, per-cluster model statistics, costs, presets,
    /// fallback, provenance and (format version 2) an optional per-prompt quality estimator. See docs/profile-format.md for
    /// the meaning and units of every field.
    /// </summary>
    public sealed class ProfileDefinition
    {
        /// <summary>The newest profile format version this library reads and writes (it also reads version 1).</summary>
        public const int CurrentFormatVersion = 2;

        /// <summary>The first format version, without an estimator: what a profile with only clusters is written as.</summary>
        public const int ClusterFormatVersion = 1;

        /// <summary>The format version that carries <see cref="Estimator"/>.</summary>
        public const int EstimatorFormatVersion = 2;

        /// <summary>Format version of the file: 1 (clusters only) or 2 (may carry an <see cref="Estimator"/>).</summary>
        public int FormatVersion { get; set; } = ClusterFormatVersion;

        /// <summary>Router name; a C# identifier that becomes the generated class name.</summary>
        public string Name { get; set; } = "";

        /// <summary>Optional namespace of the generated class; the project's root namespace when absent.</summary>
        public string? Namespace { get; set; }

        /// <summary>Optional free-text description, copied into the generated class's XML doc.</summary>
        public string? Description { get; set; }

        /// <summary>How prompts are embedded; routing is only meaningful with exactly this embedder.</summary>
        public EmbedderDefinition Embedder { get; set; } = new EmbedderDefinition();

        /// <summary>Candidate models, in a fixed order: model indices in decisions refer to this list.</summary>
        public List<ModelDefinition> Models { get; set; } = new List<ModelDefinition>();

        /// <summary>Clusters, in a fixed order: cluster indices in decisions refer to this list.</summary>
        public List<ClusterDefinition> Clusters { get; set; } = new List<ClusterDefinition>();

        /// <summary>
        /// How routers store the unit centroids (<c>centroidPrecision</c>, any format version): float32 (the default), or
        /// float16 / int8, which halve or quarter the bytes the nearest-centroid search reads. The profile's own centroid
        /// numbers stay full precision; generator and loader quantize them the same way.
        /// </summary>
        public RouterGen.Routing.CentroidPrecision CentroidPrecision { get; set; }

        /// <summary>
        /// The per-prompt quality estimator the router decides with (format version 2), or null: the nearest cluster's
        /// statistics decide. The clusters stay either way, for the explanation, the out-of-distribution test and costs.
        /// </summary>
        public EstimatorDefinition? Estimator { get; set; }

        /// <summary>Named knob settings, such as max-quality or a cost-saving operating point.</summary>
        public List<PresetDefinition> Presets { get; set; } = new List<PresetDefinition>();

        /// <summary>What to do with prompts that are far from every centroid.</summary>
        public FallbackDefinition Fallback { get; set; } = new FallbackDefinition();

        /// <summary>Where the statistics came from and how well the router did on held-out data.</summary>
        public ProvenanceDefinition? Provenance { get; set; }

        /// <summary>Index of the model with the given id, or -1.</summary>
        public int IndexOfModel(string id)
        {
            for (int i = 0; i < Models.Count; i++)
            {
                if (Models[i].Id == id)
                {
                    return i;
                }
            }

            return -1;
        }
    }

    /// <summary>The embedder a profile was fit with.</summary>
    public sealed class EmbedderDefinition
    {
        /// <summary>Kind name of the built-in hashed word and character n-gram embedder.</summary>
        public const string HashedNgramsKind = "hashed-ngrams";

        /// <summary>Kind name of an ONNX sentence-transformer embedder.</summary>
        public const string OnnxKind = "onnx";

        /// <summary><see cref="HashedNgramsKind"/> or <see cref="OnnxKind"/>.</summary>
        public string Kind { get; set; } = HashedNgramsKind;

        /// <summary>Length of an embedding vector; every centroid has this many components.</summary>
        public int Dimension { get; set; }

        /// <summary>
        /// A string that changes whenever the embedding function changes (for ONNX, the model file's SHA-256).
        /// A router used with an embedder of another identity throws rather than route on meaningless similarities.
        /// </summary>
        public string Identity { get; set; } = "";

        /// <summary>Parameters of the built-in embedder; set when <see cref="Kind"/> is <see cref="HashedNgramsKind"/>.</summary>
        public HashedNgramParameters? HashedNgrams { get; set; }

        /// <summary>Parameters of an ONNX embedder; set when <see cref="Kind"/> is <see cref="OnnxKind"/>.</summary>
        public OnnxEmbedderParameters? Onnx { get; set; }
    }

    /// <summary>Parameters of the built-in hashed n-gram embedder (feature hashing of words, word pairs and character n-grams).</summary>
    public sealed class HashedNgramParameters
    {
        /// <summary>Longest word n-gram hashed (1 = single words, 2 = also adjacent word pairs). 0 disables words.</summary>
        public int WordNgramMax { get; set; } = 2;

        /// <summary>Shortest character n-gram (inside word boundaries); 0 disables character n-grams.</summary>
        public int CharNgramMin { get; set; } = 3;

        /// <summary>Longest character n-gram.</summary>
        public int CharNgramMax { get; set; } = 5;

        /// <summary>Weight of character n-gram features relative to word features.</summary>
        public double CharNgramWeight { get; set; } = 0.5;

        /// <summary>Apply log(1 + |x|) to each bucket before weighting, damping repeated terms.</summary>
        public bool SublinearTf { get; set; } = true;

        /// <summary>Seed mixed into every hash; changing it changes the embedding.</summary>
        public uint Seed { get; set; }

        /// <summary>Only the first this-many characters of a prompt are embedded (bounds cost on huge prompts).</summary>
        public int MaxChars { get; set; } = 8192;

        /// <summary>Optional per-bucket weights learned at fit time (inverse document frequency); length = dimension.</summary>
        public float[]? BucketWeights { get; set; }
    }

    /// <summary>Parameters of an ONNX sentence-transformer embedder.</summary>
    public sealed class OnnxEmbedderParameters
    {
        /// <summary>Lower-case hex SHA-256 of model.onnx.</summary>
        public string ModelSha256 { get; set; } = "";

        /// <summary>How token vectors become one embedding.</summary>
        public EmbeddingPooling Pooling { get; set; } = EmbeddingPooling.Mean;

        /// <summary>Text prepended to every prompt (e5's "query: ").</summary>
        public string? Prefix { get; set; }

        /// <summary>Prompts are truncated to this many tokens, special tokens included.</summary>
        public int MaxTokens { get; set; } = 256;
    }

    /// <summary>A candidate model.</summary>
    public sealed class ModelDefinition
    {
        /// <summary>Model id as the caller's model map or upstream knows it.</summary>
        public string Id { get; set; } = "";

        /// <summary>Optional human-readable name.</summary>
        public string? DisplayName { get; set; }

        /// <summary>Expected cost of one request in USD, averaged over all fit prompts.</summary>
        public double CostPerRequestUsd { get; set; }

        /// <summary>Optional list price, USD per million input tokens.</summary>
        public double? InputPricePerMTok { get; set; }

        /// <summary>Optional list price, USD per million output tokens.</summary>
        public double? OutputPricePerMTok { get; set; }

        /// <summary>True when costs were estimated from prices and token counts rather than measured.</summary>
        public bool CostIsEstimate { get; set; }
    }

    /// <summary>One cluster of prompts: its centroid and how each model did on prompts near it.</summary>
    public sealed class ClusterDefinition
    {
        /// <summary>Stable cluster id (unique within the profile).</summary>
        public string Id { get; set; } = "";

        /// <summary>Human label, usually the cluster's most distinctive terms.</summary>
        public string Label { get; set; } = "";

        /// <summary>Number of fit prompts assigned to the cluster.</summary>
        public int SampleCount { get; set; }

        /// <summary>Centroid in embedding space; length = embedder dimension. Similarity is cosine.</summary>
        public float[] Centroid { get; set; } = System.Array.Empty<float>();

        /// <summary>Expected quality (success probability, in [0,1]) of each model, in profile model order.</summary>
        public double[] Quality { get; set; } = System.Array.Empty<double>();

        /// <summary>Expected cost per request in USD of each model, in profile model order.</summary>
        public double[] CostUsd { get; set; } = System.Array.Empty<double>();
    }

    /// <summary>
    /// A per-prompt quality estimator (format version 2). <see cref="LinearKind"/>: per model a calibrated logistic head on
    /// the raw embedding, quality = σ(a · (w · x + bias) + b), cost from the nearest cluster. <see cref="SoftClustersKind"/>:
    /// the similarity-weighted mean of the <see cref="TopClusters"/> nearest clusters' quality and cost (Avengers-Pro).
    /// </summary>
    public sealed class EstimatorDefinition
    {
        /// <summary>Kind name of the learned linear estimator.</summary>
        public const string LinearKind = "linear";

        /// <summary>Kind name of the soft-cluster estimator.</summary>
        public const string SoftClustersKind = "soft-clusters";

        /// <summary>Most clusters a soft-cluster estimator blends (the blend's buffers live on the stack).</summary>
        public const int MaxTopClusters = 64;

        /// <summary><see cref="LinearKind"/> or <see cref="SoftClustersKind"/>.</summary>
        public string Kind { get; set; } = LinearKind;

        /// <summary>Per-model heads of a linear estimator, in profile model order; empty for soft clusters.</summary>
        public List<LinearHeadDefinition> Heads { get; set; } = new List<LinearHeadDefinition>();

        /// <summary>How many nearest clusters a soft-cluster estimator blends (2 to <see cref="MaxTopClusters"/>); 0 for linear.</summary>
        public int TopClusters { get; set; }
    }

    /// <summary>
    /// One model's calibrated logistic head: quality = σ(<see cref="PlattScale"/> · (w · x + <see cref="Bias"/>) + <see cref="PlattOffset"/>)
    /// (Platt), or, when <see cref="IsotonicLogits"/> is set, the isotonic table's value at the raw logit w · x + <see cref="Bias"/>.
    /// </summary>
    public sealed class LinearHeadDefinition
    {
        /// <summary>Weights on the raw embedding (the fit's subspace projection folded in); length = embedder dimension.</summary>
        public float[] Weights { get; set; } = System.Array.Empty<float>();

        /// <summary>Bias of the raw logit.</summary>
        public double Bias { get; set; }

        /// <summary>Platt scale a of the calibration.</summary>
        public double PlattScale { get; set; } = 1;

        /// <summary>Platt offset b of the calibration.</summary>
        public double PlattOffset { get; set; }

        /// <summary>
        /// Isotonic calibration: the raw logits of the table's points, strictly increasing (null for Platt). Quality is
        /// interpolated linearly between points and held constant beyond the first and last.
        /// </summary>
        public double[]? IsotonicLogits { get; set; }

        /// <summary>Isotonic calibration: the quality at each of <see cref="IsotonicLogits"/>, non-decreasing, in [0, 1].</summary>
        public double[]? IsotonicQualities { get; set; }
    }

    /// <summary>A named knob setting.</summary>
    public sealed class PresetDefinition
    {
        /// <summary>Preset name, such as "max-quality".</summary>
        public string Name { get; set; } = "";

        /// <summary>The in-cluster rule: cost-weighted (knob = cost weight in [0,1]) or shortfall (knob = quality shortfall τ in [0,1]).</summary>
        public RoutingPolicy Policy { get; set; } = RoutingPolicy.CostWeighted;

        /// <summary>The knob value.</summary>
        public double Value { get; set; }

        /// <summary>Optional explanation of how the value was chosen.</summary>
        public string? Description { get; set; }
    }

    /// <summary>
    /// The fallback rules: when the models' global statistics decide (under the request's policy and knob) instead of the
    /// prompt's cluster or per-prompt estimate.
    /// </summary>
    public sealed class FallbackDefinition
    {
        /// <summary>The best model by global statistics at maximum quality (what an out-of-distribution prompt gets there).</summary>
        public string Model { get; set; } = "";

        /// <summary>Cosine similarity threshold in [-1, 1]: a prompt less similar to every centroid is out of distribution.</summary>
        public double MinSimilarity { get; set; }

        /// <summary>
        /// Format version 2 with an estimator only: the smallest trusted gap, in [0, 1], between the estimated quality of the
        /// best allowed model and of the runner-up allowed model; a prompt whose estimate has a smaller gap goes to the global
        /// statistics (a low-confidence fallback). 0 (or absent in the file) turns the test off.
        /// </summary>
        public double LowConfidenceMargin { get; set; }
    }

    /// <summary>Where a profile came from.</summary>
    public sealed class ProvenanceDefinition
    {
        /// <summary>Data set name.</summary>
        public string? Dataset { get; set; }

        /// <summary>Attribution and license of the data the statistics were derived from.</summary>
        public string? Attribution { get; set; }

        /// <summary>When the profile was fit (ISO 8601, UTC).</summary>
        public string? CreatedUtc { get; set; }

        /// <summary>Tool and version that wrote the profile.</summary>
        public string? Tool { get; set; }

        /// <summary>Free-text notes (estimator, prior, seed).</summary>
        public string? Notes { get; set; }

        /// <summary>Held-out metrics by name (for example "cv10.accuracy"), sorted by name when written.</summary>
        public SortedDictionary<string, double> HeldOutMetrics { get; set; } = new SortedDictionary<string, double>(System.StringComparer.Ordinal);
    }
}
