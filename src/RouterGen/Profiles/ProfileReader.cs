// Shared between the runtime and the source generator (linked source, netstandard2.0): the one implementation
// of "what is a valid profile". Every problem carries a stable id and the position of the offending value.
using System;
using System.Collections.Generic;
using System.Globalization;
using RouterGen.Embedding;
using RouterGen.Routing;

namespace RouterGen.Profiles
{
    /// <summary>Stable ids of profile problems. The generator reports them as diagnostics with the same ids.</summary>
    public static class ProfileProblemIds
    {
        /// <summary>The file is not valid JSON.</summary>
        public const string MalformedJson = "RG0001";

        /// <summary>A required field is missing.</summary>
        public const string MissingField = "RG0002";

        /// <summary>A field the format does not define.</summary>
        public const string UnknownField = "RG0003";

        /// <summary>A field has the wrong JSON type.</summary>
        public const string WrongType = "RG0004";

        /// <summary>The format version is not supported.</summary>
        public const string UnsupportedFormatVersion = "RG0005";

        /// <summary>A centroid's length differs from the embedder dimension.</summary>
        public const string CentroidDimensionMismatch = "RG0006";

        /// <summary>NaN or Infinity where a finite number is required.</summary>
        public const string NonFiniteNumber = "RG0007";

        /// <summary>Two models, clusters or presets share an id.</summary>
        public const string DuplicateId = "RG0008";

        /// <summary>A quality estimate outside [0, 1].</summary>
        public const string QualityOutOfRange = "RG0009";

        /// <summary>A negative cost or price.</summary>
        public const string NegativeCost = "RG0010";

        /// <summary>The profile has no models or no clusters.</summary>
        public const string EmptyProfile = "RG0011";

        /// <summary>The fallback model is not one of the profile's models.</summary>
        public const string UnknownFallbackModel = "RG0012";

        /// <summary>Two profiles generate the same class (generator only).</summary>
        public const string DuplicateRouterClass = "RG0013";

        /// <summary>The profile is too large to compile sensibly.</summary>
        public const string ProfileTooLarge = "RG0014";

        /// <summary>A cluster's statistics name an unknown model or omit one.</summary>
        public const string ClusterModelMismatch = "RG0015";

        /// <summary>A value is of the right type but not allowed (bad identifier, unknown kind or policy, out of range).</summary>
        public const string InvalidValue = "RG0016";

        /// <summary>The generator itself failed (a bug); reported instead of crashing the build.</summary>
        public const string GeneratorFailure = "RG0017";

        /// <summary>A router class would have the name of another router's namespace (generator only).</summary>
        public const string RouterClassCollidesWithNamespace = "RG0018";
    }

    /// <summary>A problem found in a profile, with where it is.</summary>
    public sealed class ProfileProblem
    {
        /// <summary>Creates a problem.</summary>
        public ProfileProblem(string id, string message, int line, int column, int offset, int length)
        {
            Id = id;
            Message = message;
            Line = line;
            Column = column;
            Offset = offset;
            Length = length;
        }

        /// <summary>Stable id, one of <see cref="ProfileProblemIds"/>.</summary>
        public string Id { get; }

        /// <summary>What is wrong, naming the field (for example <c>clusters[3].centroid</c>).</summary>
        public string Message { get; }

        /// <summary>1-based line of the offending value.</summary>
        public int Line { get; }

        /// <summary>1-based column of the offending value.</summary>
        public int Column { get; }

        /// <summary>0-based character offset of the offending value.</summary>
        public int Offset { get; }

        /// <summary>Length in characters of the offending text (at least 1 where the file is not empty).</summary>
        public int Length { get; }

        /// <inheritdoc />
        public override string ToString() => $"({Line},{Column}): {Id}: {Message}";
    }

    /// <summary>The outcome of reading a profile: the profile when it is valid, and every problem found.</summary>
    public sealed class ProfileReadResult
    {
        internal ProfileReadResult(ProfileDefinition? profile, List<ProfileProblem> problems)
        {
            Profile = problems.Count == 0 ? profile : null;
            Problems = problems;
        }

        /// <summary>The profile, or null when there was any problem.</summary>
        public ProfileDefinition? Profile { get; }

        /// <summary>Every problem found, in file order where possible.</summary>
        public IReadOnlyList<ProfileProblem> Problems { get; }
    }

    /// <summary>Which characters and how many a profile string field accepts (see docs/profile-format.md).</summary>
    internal enum StringRule
    {
        /// <summary>One line of visible text, at most <see cref="ProfileReader.MaxIdLength"/> characters.</summary>
        Id,

        /// <summary>Like <see cref="Id"/>, up to <see cref="ProfileReader.MaxTextLength"/> characters (the embedder identity).</summary>
        Identity,

        /// <summary>Any well-formed text, at most <see cref="ProfileReader.MaxLabelLength"/> characters.</summary>
        Label,

        /// <summary>Any well-formed text, at most <see cref="ProfileReader.MaxTextLength"/> characters.</summary>
        Text,
    }

    /// <summary>Reads and validates profile JSON.</summary>
    public static class ProfileReader
    {
        /// <summary>Most models a profile may list; the per-request allowed-models mask is 64 bits wide.</summary>
        public const int MaxModels = 64;

        /// <summary>Most clusters a profile may hold.</summary>
        public const int MaxClusters = 4096;

        /// <summary>Largest total of centroid components (clusters × dimension) a profile may hold: 4 MiB of floats.</summary>
        public const int MaxCentroidComponents = 1 << 20;

        /// <summary>Largest embedding dimension.</summary>
        public const int MaxDimension = 8192;

        /// <summary>Longest id: model and cluster ids, held-out metric keys, the ONNX prefix, provenance tool and time.</summary>
        public const int MaxIdLength = 256;

        /// <summary>Longest cluster label.</summary>
        public const int MaxLabelLength = 1024;

        /// <summary>Longest free text: description, display names, provenance dataset, attribution and notes, identity.</summary>
        public const int MaxTextLength = 4096;

        /// <summary>Most points of one head's isotonic calibration table.</summary>
        public const int MaxCalibrationPoints = 1024;

        /// <summary>Parses and validates profile text. Never throws for bad input: problems are returned.</summary>
        public static ProfileReadResult Read(string text)
        {
            var problems = new List<ProfileProblem>();
            JsonValue root;
            try
            {
                root = JsonValue.Parse(text);
            }
            catch (JsonSyntaxException e)
            {
                problems.Add(new ProfileProblem(ProfileProblemIds.MalformedJson, "Malformed JSON: " + e.Message, e.Position.Line, e.Position.Column, e.Position.Offset, text.Length == 0 ? 0 : 1));
                return new ProfileReadResult(null, problems);
            }

            var reader = new Reader(problems);
            ProfileDefinition? profile = reader.ReadProfile(root);
            problems.Sort((a, b) => a.Offset != b.Offset ? a.Offset.CompareTo(b.Offset) : string.CompareOrdinal(a.Id, b.Id));
            return new ProfileReadResult(profile, problems);
        }

        private sealed class Reader
        {
            private readonly List<ProfileProblem> _problems;

            public Reader(List<ProfileProblem> problems)
            {
                _problems = problems;
            }

            private void Report(string id, JsonValue at, string message) =>
                _problems.Add(new ProfileProblem(id, message, at.Start.Line, at.Start.Column, at.Start.Offset, Math.Max(1, at.EndOffset - at.Start.Offset)));

            private void Report(string id, JsonMember at, string message) =>
                _problems.Add(new ProfileProblem(id, message, at.NamePosition.Line, at.NamePosition.Column, at.NamePosition.Offset, Math.Max(1, at.NameEndOffset - at.NamePosition.Offset)));

            public ProfileDefinition? ReadProfile(JsonValue root)
            {
                var fields = Fields(root, "(profile)", "$schema", "formatVersion", "name", "namespace", "description", "embedder", "models", "centroidPrecision", "clusters", "estimator", "presets", "fallback", "provenance");
                if (fields == null)
                {
                    return null;
                }

                var profile = new ProfileDefinition();
                JsonValue? version = fields.Required("formatVersion");
                if (version != null && ReadInt(version, "formatVersion") is int v)
                {
                    if (v < ProfileDefinition.ClusterFormatVersion || v > ProfileDefinition.CurrentFormatVersion)
                    {
                        Report(ProfileProblemIds.UnsupportedFormatVersion, version, $"formatVersion {v} is not supported; this RouterGen reads format versions {ProfileDefinition.ClusterFormatVersion} to {ProfileDefinition.CurrentFormatVersion}.");
                        return null; // other checks would only confuse: the rest of the file follows another format.
                    }

                    profile.FormatVersion = v;
                }

                JsonValue? name = fields.Required("name");
                if (name != null && ReadString(name, "name", StringRule.Text) is string n)
                {
                    if (RouterClassName.NameProblem(n) is string problem)
                    {
                        Report(ProfileProblemIds.InvalidValue, name, problem);
                    }

                    profile.Name = n;
                }

                if (fields.Optional("namespace") is JsonValue ns && ReadString(ns, "namespace", StringRule.Text) is string nsText)
                {
                    if (RouterClassName.NamespaceProblem(nsText) is string problem)
                    {
                        Report(ProfileProblemIds.InvalidValue, ns, problem);
                    }

                    profile.Namespace = nsText;
                }

                if (fields.Optional("description") is JsonValue description)
                {
                    profile.Description = ReadString(description, "description", StringRule.Text);
                }

                if (fields.Required("embedder") is JsonValue embedder)
                {
                    ReadEmbedder(embedder, profile.Embedder);
                }

                JsonValue? models = fields.Required("models");
                if (models != null)
                {
                    ReadModels(models, profile);
                }

                JsonValue? clusters = fields.Required("clusters");
                if (clusters != null)
                {
                    ReadClusters(clusters, profile);
                }

                if (fields.Optional("estimator") is JsonValue estimator)
                {
                    if (profile.FormatVersion < ProfileDefinition.EstimatorFormatVersion)
                    {
                        Report(ProfileProblemIds.InvalidValue, estimator, $"estimator needs formatVersion {ProfileDefinition.EstimatorFormatVersion}; this profile says formatVersion {profile.FormatVersion}.");
                    }
                    else
                    {
                        ReadEstimator(estimator, profile);
                    }
                }

                if (fields.Optional("centroidPrecision") is JsonValue precision && ReadString(precision, "centroidPrecision", StringRule.Id) is string precisionName)
                {
                    if (!CentroidPrecisionNames.TryParse(precisionName, out CentroidPrecision parsed))
                    {
                        Report(ProfileProblemIds.InvalidValue, precision, $"centroidPrecision \"{precisionName}\" is not known; expected {CentroidPrecisionNames.Expected}.");
                    }

                    profile.CentroidPrecision = parsed;
                }

                if (fields.Optional("presets") is JsonValue presets)
                {
                    ReadPresets(presets, profile);
                }

                if (fields.Required("fallback") is JsonValue fallback)
                {
                    ReadFallback(fallback, profile);
                }

                if (fields.Optional("provenance") is JsonValue provenance)
                {
                    profile.Provenance = ReadProvenance(provenance);
                }

                return profile;
            }

            private void ReadEmbedder(JsonValue value, EmbedderDefinition embedder)
            {
                var fields = Fields(value, "embedder", "kind", "dimension", "identity", "parameters");
                if (fields == null)
                {
                    return;
                }

                if (fields.Required("dimension") is JsonValue dim && ReadInt(dim, "embedder.dimension") is int d)
                {
                    if (d < 1)
                    {
                        Report(ProfileProblemIds.InvalidValue, dim, $"embedder.dimension must be at least 1 (found {d}).");
                    }
                    else if (d > MaxDimension)
                    {
                        Report(ProfileProblemIds.ProfileTooLarge, dim, $"embedder.dimension {d} exceeds the largest supported dimension, {MaxDimension}.");
                    }

                    embedder.Dimension = d;
                }

                JsonValue? identity = fields.Required("identity");
                if (identity != null && ReadString(identity, "embedder.identity", StringRule.Identity) is string id)
                {
                    embedder.Identity = id;
                }

                JsonValue? kind = fields.Required("kind");
                string? k = kind == null ? null : ReadString(kind, "embedder.kind", StringRule.Id);
                JsonValue? parameters = fields.Optional("parameters");
                int problemsBeforeParameters = _problems.Count;
                string? expectedIdentity = null;
                if (k == EmbedderDefinition.HashedNgramsKind)
                {
                    embedder.Kind = k;
                    embedder.HashedNgrams = parameters == null ? new HashedNgramParameters() : ReadHashedParameters(parameters, embedder.Dimension);
                    expectedIdentity = EmbedderIdentity.ForHashedNgrams(embedder.Dimension, embedder.HashedNgrams);
                }
                else if (k == EmbedderDefinition.OnnxKind)
                {
                    embedder.Kind = k;
                    embedder.Onnx = parameters == null ? new OnnxEmbedderParameters() : ReadOnnxParameters(parameters);
                    expectedIdentity = EmbedderIdentity.ForOnnx(embedder.Dimension, embedder.Onnx);
                }
                else if (k != null && kind != null)
                {
                    Report(ProfileProblemIds.InvalidValue, kind, $"embedder.kind \"{k}\" is not known; expected \"{EmbedderDefinition.HashedNgramsKind}\" or \"{EmbedderDefinition.OnnxKind}\".");
                }

                // The identity is derived from the parameters; a hand-edited parameter with a stale identity would let a
                // router silently accept an embedder that no longer matches its centroids.
                // A refused parameter is reported once, not again as a stale identity.
                if (expectedIdentity != null && identity != null && embedder.Identity.Length > 0 && embedder.Identity != expectedIdentity &&
                    _problems.Count == problemsBeforeParameters)
                {
                    Report(ProfileProblemIds.InvalidValue, identity, $"embedder.identity \"{embedder.Identity}\" does not match embedder.kind and embedder.parameters, whose identity is \"{expectedIdentity}\".");
                }
            }

            private HashedNgramParameters ReadHashedParameters(JsonValue value, int dimension)
            {
                var p = new HashedNgramParameters();
                var fields = Fields(value, "embedder.parameters", "wordNgramMax", "charNgramMin", "charNgramMax", "charNgramWeight", "sublinearTf", "seed", "maxChars", "bucketWeights");
                if (fields == null)
                {
                    return p;
                }

                p.WordNgramMax = OptionalInt(fields, "wordNgramMax", "embedder.parameters.wordNgramMax", 0, 3) ?? p.WordNgramMax;
                p.CharNgramMin = OptionalInt(fields, "charNgramMin", "embedder.parameters.charNgramMin", 0, 8) ?? p.CharNgramMin;
                p.CharNgramMax = OptionalInt(fields, "charNgramMax", "embedder.parameters.charNgramMax", 0, 8) ?? p.CharNgramMax;
                if (p.CharNgramMax < p.CharNgramMin && fields.Optional("charNgramMax") is JsonValue maxValue)
                {
                    Report(ProfileProblemIds.InvalidValue, maxValue, $"embedder.parameters.charNgramMax ({p.CharNgramMax}) is below charNgramMin ({p.CharNgramMin}).");
                }

                if (fields.Optional("charNgramWeight") is JsonValue w && ReadNumber(w, "embedder.parameters.charNgramWeight") is double weight)
                {
                    p.CharNgramWeight = weight;
                }

                if (fields.Optional("sublinearTf") is JsonValue s && ReadBool(s, "embedder.parameters.sublinearTf") is bool sub)
                {
                    p.SublinearTf = sub;
                }

                if (fields.Optional("seed") is JsonValue seedValue && ReadNumber(seedValue, "embedder.parameters.seed") is double seed)
                {
                    if (seed < 0 || seed > uint.MaxValue || Math.Floor(seed) != seed)
                    {
                        Report(ProfileProblemIds.InvalidValue, seedValue, "embedder.parameters.seed must be an integer from 0 to 4294967295.");
                    }
                    else
                    {
                        p.Seed = (uint)seed;
                    }
                }

                p.MaxChars = OptionalInt(fields, "maxChars", "embedder.parameters.maxChars", 1, int.MaxValue) ?? p.MaxChars;
                if (fields.Optional("bucketWeights") is JsonValue weights && ReadFloatArray(weights, "embedder.parameters.bucketWeights") is float[] bw)
                {
                    if (bw.Length != dimension)
                    {
                        Report(ProfileProblemIds.CentroidDimensionMismatch, weights, $"embedder.parameters.bucketWeights has {bw.Length} values but embedder.dimension is {dimension}.");
                    }

                    p.BucketWeights = bw;
                }

                return p;
            }

            private OnnxEmbedderParameters ReadOnnxParameters(JsonValue value)
            {
                var p = new OnnxEmbedderParameters();
                var fields = Fields(value, "embedder.parameters", "modelSha256", "pooling", "prefix", "maxTokens");
                if (fields == null)
                {
                    return p;
                }

                if (fields.Optional("modelSha256") is JsonValue sha && ReadString(sha, "embedder.parameters.modelSha256", StringRule.Id) is string hash)
                {
                    if (!IsSha256Hex(hash))
                    {
                        Report(ProfileProblemIds.InvalidValue, sha, "embedder.parameters.modelSha256 must be the SHA-256 of model.onnx as 64 lower-case hex digits.");
                    }

                    p.ModelSha256 = hash;
                }

                if (fields.Optional("pooling") is JsonValue pooling && ReadString(pooling, "embedder.parameters.pooling", StringRule.Id) is string pool)
                {
                    if (!EmbeddingPoolingNames.TryParse(pool, out EmbeddingPooling parsed))
                    {
                        Report(ProfileProblemIds.InvalidValue, pooling, $"embedder.parameters.pooling \"{pool}\" is not known; expected {EmbeddingPoolingNames.Expected}.");
                    }

                    p.Pooling = parsed;
                }

                if (fields.Optional("prefix") is JsonValue prefix && prefix.Kind != JsonValueKind.Null)
                {
                    p.Prefix = ReadString(prefix, "embedder.parameters.prefix", StringRule.Id);
                }

                p.MaxTokens = OptionalInt(fields, "maxTokens", "embedder.parameters.maxTokens", 2, 8192) ?? p.MaxTokens;
                return p;
            }

            private void ReadModels(JsonValue value, ProfileDefinition profile)
            {
                if (!Expect(value, JsonValueKind.Array, "models"))
                {
                    return;
                }

                List<JsonValue> items = value.Items!;
                if (items.Count == 0)
                {
                    Report(ProfileProblemIds.EmptyProfile, value, "models is empty; a router needs at least one model.");
                    return;
                }

                if (items.Count > MaxModels)
                {
                    Report(ProfileProblemIds.ProfileTooLarge, value, $"models lists {items.Count} models; at most {MaxModels} are supported (the allowed-models mask is 64 bits).");
                    return;
                }

                var seen = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < items.Count; i++)
                {
                    string path = $"models[{i}]";
                    var fields = Fields(items[i], path, "id", "displayName", "costPerRequestUsd", "inputPricePerMTok", "outputPricePerMTok", "costIsEstimate");
                    var model = new ModelDefinition();
                    profile.Models.Add(model);
                    if (fields == null)
                    {
                        continue;
                    }

                    if (fields.Required("id") is JsonValue idValue && ReadString(idValue, path + ".id", StringRule.Id) is string id)
                    {
                        if (id.Length == 0)
                        {
                            Report(ProfileProblemIds.InvalidValue, idValue, path + ".id is empty.");
                        }
                        else if (seen.TryGetValue(id, out int first))
                        {
                            Report(ProfileProblemIds.DuplicateId, idValue, $"{path}.id \"{id}\" duplicates models[{first}].id.");
                        }
                        else
                        {
                            seen.Add(id, i);
                        }

                        model.Id = id;
                    }

                    if (fields.Optional("displayName") is JsonValue display)
                    {
                        model.DisplayName = ReadString(display, path + ".displayName", StringRule.Text);
                    }

                    if (fields.Required("costPerRequestUsd") is JsonValue cost && ReadCost(cost, path + ".costPerRequestUsd") is double c)
                    {
                        model.CostPerRequestUsd = c;
                    }

                    if (fields.Optional("inputPricePerMTok") is JsonValue inPrice)
                    {
                        model.InputPricePerMTok = ReadCost(inPrice, path + ".inputPricePerMTok");
                    }

                    if (fields.Optional("outputPricePerMTok") is JsonValue outPrice)
                    {
                        model.OutputPricePerMTok = ReadCost(outPrice, path + ".outputPricePerMTok");
                    }

                    if (fields.Optional("costIsEstimate") is JsonValue estimate && ReadBool(estimate, path + ".costIsEstimate") is bool e)
                    {
                        model.CostIsEstimate = e;
                    }
                }
            }

            private void ReadClusters(JsonValue value, ProfileDefinition profile)
            {
                if (!Expect(value, JsonValueKind.Array, "clusters"))
                {
                    return;
                }

                List<JsonValue> items = value.Items!;
                if (items.Count == 0)
                {
                    Report(ProfileProblemIds.EmptyProfile, value, "clusters is empty; a router needs at least one cluster.");
                    return;
                }

                int dimension = profile.Embedder.Dimension;
                if (items.Count > MaxClusters || (long)items.Count * Math.Max(1, dimension) > MaxCentroidComponents)
                {
                    Report(ProfileProblemIds.ProfileTooLarge, value, $"clusters holds {items.Count} centroids of dimension {dimension} ({(long)items.Count * dimension} numbers); at most {MaxClusters} clusters and {MaxCentroidComponents} centroid numbers in all compile sensibly.");
                    return;
                }

                var seen = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < items.Count; i++)
                {
                    string path = $"clusters[{i}]";
                    var cluster = new ClusterDefinition
                    {
                        Quality = new double[profile.Models.Count],
                        CostUsd = new double[profile.Models.Count],
                    };
                    profile.Clusters.Add(cluster);
                    var fields = Fields(items[i], path, "id", "label", "sampleCount", "centroid", "stats");
                    if (fields == null)
                    {
                        continue;
                    }

                    if (fields.Required("id") is JsonValue idValue && ReadString(idValue, path + ".id", StringRule.Id) is string id)
                    {
                        if (seen.TryGetValue(id, out int first))
                        {
                            Report(ProfileProblemIds.DuplicateId, idValue, $"{path}.id \"{id}\" duplicates clusters[{first}].id.");
                        }
                        else
                        {
                            seen.Add(id, i);
                        }

                        cluster.Id = id;
                    }

                    if (fields.Optional("label") is JsonValue label)
                    {
                        cluster.Label = ReadString(label, path + ".label", StringRule.Label) ?? "";
                    }

                    cluster.SampleCount = OptionalInt(fields, "sampleCount", path + ".sampleCount", 0, int.MaxValue, required: true) ?? 0;

                    if (fields.Required("centroid") is JsonValue centroid && ReadFloatArray(centroid, path + ".centroid") is float[] c)
                    {
                        if (dimension > 0 && c.Length != dimension)
                        {
                            Report(ProfileProblemIds.CentroidDimensionMismatch, centroid, $"{path}.centroid has {c.Length} numbers but embedder.dimension is {dimension}.");
                        }
                        else if (IsZero(c))
                        {
                            Report(ProfileProblemIds.InvalidValue, centroid, $"{path}.centroid is all zeros; cosine similarity to it is undefined.");
                        }

                        cluster.Centroid = c;
                    }

                    if (fields.Required("stats") is JsonValue stats)
                    {
                        ReadClusterStats(stats, path + ".stats", profile, cluster);
                    }
                }
            }

            private void ReadClusterStats(JsonValue value, string path, ProfileDefinition profile, ClusterDefinition cluster) =>
                ReadPerModel(value, path, profile, "statistics", "every cluster must rate every model", (model, modelValue, modelPath) =>
                {
                    var fields = Fields(modelValue, modelPath, "quality", "costUsd");
                    if (fields == null)
                    {
                        return;
                    }

                    if (fields.Required("quality") is JsonValue q && ReadNumber(q, modelPath + ".quality") is double quality)
                    {
                        if (quality < 0 || quality > 1)
                        {
                            Report(ProfileProblemIds.QualityOutOfRange, q, $"{modelPath}.quality is {Format(quality)}; quality is a success rate in [0, 1].");
                        }

                        cluster.Quality[model] = quality;
                    }

                    if (fields.Required("costUsd") is JsonValue c && ReadCost(c, modelPath + ".costUsd") is double cost)
                    {
                        cluster.CostUsd[model] = cost;
                    }
                });

            // An object keyed by model id (cluster statistics, estimator heads): each model once, every model present.
            private void ReadPerModel(JsonValue value, string path, ProfileDefinition profile, string what, string rule, Action<int, JsonValue, string> readModel)
            {
                if (!Expect(value, JsonValueKind.Object, path))
                {
                    return;
                }

                var present = new bool[profile.Models.Count];
                foreach (JsonMember member in value.Members!)
                {
                    int model = profile.IndexOfModel(member.Name);
                    if (model < 0)
                    {
                        Report(ProfileProblemIds.ClusterModelMismatch, member, $"{path} names model \"{member.Name}\", which is not in models.");
                        continue;
                    }

                    if (present[model])
                    {
                        Report(ProfileProblemIds.DuplicateId, member, $"{path} lists model \"{member.Name}\" twice.");
                        continue;
                    }

                    present[model] = true;
                    readModel(model, member.Value, $"{path}[\"{member.Name}\"]");
                }

                var missing = new List<string>();
                for (int m = 0; m < present.Length; m++)
                {
                    if (!present[m] && profile.Models[m].Id.Length > 0)
                    {
                        missing.Add(profile.Models[m].Id);
                    }
                }

                if (missing.Count > 0)
                {
                    Report(ProfileProblemIds.ClusterModelMismatch, value, $"{path} has no {what} for model(s) {string.Join(", ", missing)}; {rule}.");
                }
            }

            private void ReadEstimator(JsonValue value, ProfileDefinition profile)
            {
                var fields = Fields(value, "estimator", "kind", "heads", "topClusters");
                if (fields == null)
                {
                    return;
                }

                var estimator = new EstimatorDefinition();
                JsonValue? kind = fields.Required("kind");
                string? k = kind == null ? null : ReadString(kind, "estimator.kind", StringRule.Id);
                JsonValue? heads = fields.Optional("heads");
                JsonValue? top = fields.Optional("topClusters");
                if (k == EstimatorDefinition.LinearKind)
                {
                    estimator.Kind = k;
                    if (top != null)
                    {
                        Report(ProfileProblemIds.InvalidValue, top, "estimator.topClusters belongs to a \"soft-clusters\" estimator, not a \"linear\" one.");
                    }

                    if (fields.Required("heads") is JsonValue h)
                    {
                        ReadHeads(h, profile, estimator);
                    }
                }
                else if (k == EstimatorDefinition.SoftClustersKind)
                {
                    estimator.Kind = k;
                    if (heads != null)
                    {
                        Report(ProfileProblemIds.InvalidValue, heads, "estimator.heads belongs to a \"linear\" estimator, not a \"soft-clusters\" one.");
                    }

                    int most = Math.Max(2, Math.Min(EstimatorDefinition.MaxTopClusters, profile.Clusters.Count));
                    estimator.TopClusters = OptionalInt(fields, "topClusters", "estimator.topClusters", 2, most, required: true) ?? 0;
                }
                else if (k != null && kind != null)
                {
                    Report(ProfileProblemIds.InvalidValue, kind, $"estimator.kind \"{k}\" is not known; expected \"{EstimatorDefinition.LinearKind}\" or \"{EstimatorDefinition.SoftClustersKind}\".");
                }

                profile.Estimator = estimator;
            }

            private void ReadHeads(JsonValue value, ProfileDefinition profile, EstimatorDefinition estimator)
            {
                int dimension = profile.Embedder.Dimension;
                for (int m = 0; m < profile.Models.Count; m++)
                {
                    estimator.Heads.Add(new LinearHeadDefinition());
                }

                ReadPerModel(value, "estimator.heads", profile, "head", "a linear estimator predicts every model", (model, headValue, path) =>
                {
                    LinearHeadDefinition head = estimator.Heads[model];
                    var fields = Fields(headValue, path, "bias", "calibration", "weights");
                    if (fields == null)
                    {
                        return;
                    }

                    if (fields.Required("bias") is JsonValue bias && ReadNumber(bias, path + ".bias") is double b)
                    {
                        head.Bias = b;
                    }

                    if (fields.Required("calibration") is JsonValue calibration)
                    {
                        ReadCalibration(calibration, path + ".calibration", head);
                    }

                    if (fields.Required("weights") is JsonValue weights && ReadFloatArray(weights, path + ".weights") is float[] w)
                    {
                        if (dimension > 0 && w.Length != dimension)
                        {
                            Report(ProfileProblemIds.CentroidDimensionMismatch, weights, $"{path}.weights has {w.Length} numbers but embedder.dimension is {dimension}.");
                        }

                        head.Weights = w;
                    }
                });
            }

            private void ReadCalibration(JsonValue value, string path, LinearHeadDefinition head)
            {
                var fields = Fields(value, path, "method", "scale", "offset", "logits", "qualities");
                if (fields == null)
                {
                    return;
                }

                string? name = fields.Required("method") is JsonValue method ? ReadString(method, path + ".method", StringRule.Id) : null;
                if (name == "isotonic")
                {
                    RefuseFields(fields, path, "an isotonic calibration has logits and qualities", "scale", "offset");
                    ReadIsotonic(fields, path, head);
                    return;
                }

                if (name != null && name != "platt")
                {
                    Report(ProfileProblemIds.InvalidValue, fields.Required("method")!, $"{path}.method \"{name}\" is not known; expected \"platt\" (quality = sigmoid(scale * logit + offset)) or \"isotonic\" (a monotone table of logits and qualities).");
                    return;
                }

                RefuseFields(fields, path, "a Platt calibration has scale and offset", "logits", "qualities");
                if (fields.Required("scale") is JsonValue scale && ReadNumber(scale, path + ".scale") is double a)
                {
                    head.PlattScale = a;
                }

                if (fields.Required("offset") is JsonValue offset && ReadNumber(offset, path + ".offset") is double b)
                {
                    head.PlattOffset = b;
                }
            }

            private void RefuseFields(FieldSet fields, string path, string why, params string[] names)
            {
                foreach (string name in names)
                {
                    if (fields.Optional(name) is JsonValue refused)
                    {
                        Report(ProfileProblemIds.InvalidValue, refused, $"{path}.{name} is not allowed here: {why}.");
                    }
                }
            }

            // The table's points: logits strictly increasing, qualities non-decreasing in [0, 1], equal counts, 2 to MaxCalibrationPoints.
            private void ReadIsotonic(FieldSet fields, string path, LinearHeadDefinition head)
            {
                JsonValue? logitsValue = fields.Required("logits"), qualitiesValue = fields.Required("qualities");
                double[]? logits = logitsValue == null ? null : ReadNumberArray(logitsValue, path + ".logits", asFloat: false);
                double[]? qualities = qualitiesValue == null ? null : ReadNumberArray(qualitiesValue, path + ".qualities", asFloat: false);
                if (logits == null || qualities == null)
                {
                    return;
                }

                bool ok = true;
                if (logits.Length < 2 || logits.Length > MaxCalibrationPoints)
                {
                    Report(ProfileProblemIds.InvalidValue, logitsValue!, $"{path}.logits has {logits.Length} points; an isotonic table has 2 to {MaxCalibrationPoints}.");
                    ok = false;
                }

                if (qualities.Length != logits.Length)
                {
                    Report(ProfileProblemIds.InvalidValue, qualitiesValue!, $"{path}.qualities has {qualities.Length} numbers but {path}.logits has {logits.Length}; there is one quality per logit.");
                    ok = false;
                }

                for (int i = 1; i < logits.Length; i++)
                {
                    if (!(logits[i] > logits[i - 1]))
                    {
                        Report(ProfileProblemIds.InvalidValue, logitsValue!.Items![i], $"{path}.logits[{i}] is {Format(logits[i])}, not above logits[{i - 1}] = {Format(logits[i - 1])}; the table's logits must strictly increase.");
                        ok = false;
                    }
                }

                for (int i = 0; i < qualities.Length; i++)
                {
                    if (qualities[i] < 0 || qualities[i] > 1)
                    {
                        Report(ProfileProblemIds.QualityOutOfRange, qualitiesValue!.Items![i], $"{path}.qualities[{i}] is {Format(qualities[i])}; a quality is in [0, 1].");
                        ok = false;
                    }
                    else if (i > 0 && qualities[i] < qualities[i - 1])
                    {
                        Report(ProfileProblemIds.InvalidValue, qualitiesValue!.Items![i], $"{path}.qualities[{i}] is {Format(qualities[i])}, below qualities[{i - 1}] = {Format(qualities[i - 1])}; an isotonic table never decreases.");
                        ok = false;
                    }
                }

                if (ok)
                {
                    head.IsotonicLogits = logits;
                    head.IsotonicQualities = qualities;
                }
            }

            private void ReadPresets(JsonValue value, ProfileDefinition profile)
            {
                if (!Expect(value, JsonValueKind.Array, "presets"))
                {
                    return;
                }

                var seen = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < value.Items!.Count; i++)
                {
                    string path = $"presets[{i}]";
                    var fields = Fields(value.Items[i], path, "name", "policy", "value", "description");
                    if (fields == null)
                    {
                        continue;
                    }

                    var preset = new PresetDefinition();
                    if (fields.Required("name") is JsonValue nameValue && ReadString(nameValue, path + ".name", StringRule.Id) is string name)
                    {
                        if (!IsPresetName(name))
                        {
                            Report(ProfileProblemIds.InvalidValue, nameValue, $"{path}.name \"{name}\" must be lower-case letters, digits and '-', starting with a letter.");
                        }
                        else if (seen.TryGetValue(name, out int first))
                        {
                            Report(ProfileProblemIds.DuplicateId, nameValue, $"{path}.name \"{name}\" duplicates presets[{first}].name.");
                        }
                        else
                        {
                            seen.Add(name, i);
                        }

                        preset.Name = name;
                    }

                    if (fields.Required("policy") is JsonValue policyValue && ReadString(policyValue, path + ".policy", StringRule.Id) is string policy)
                    {
                        if (!RoutingPolicyNames.TryParse(policy, out RoutingPolicy parsed))
                        {
                            Report(ProfileProblemIds.InvalidValue, policyValue, $"{path}.policy \"{policy}\" is not known; expected {RoutingPolicyNames.Expected}.");
                        }

                        preset.Policy = parsed;
                    }

                    if (fields.Required("value") is JsonValue knob && ReadNumber(knob, path + ".value") is double v)
                    {
                        if (v < 0 || v > 1)
                        {
                            Report(ProfileProblemIds.InvalidValue, knob, $"{path}.value is {Format(v)}; knob values are in [0, 1].");
                        }

                        preset.Value = v;
                    }

                    if (fields.Optional("description") is JsonValue description)
                    {
                        preset.Description = ReadString(description, path + ".description", StringRule.Text);
                    }

                    profile.Presets.Add(preset);
                }
            }

            private void ReadFallback(JsonValue value, ProfileDefinition profile)
            {
                var fields = Fields(value, "fallback", "model", "minSimilarity", "lowConfidenceMargin");
                if (fields == null)
                {
                    return;
                }

                if (fields.Required("model") is JsonValue modelValue && ReadString(modelValue, "fallback.model", StringRule.Id) is string model)
                {
                    if (profile.Models.Count > 0 && profile.IndexOfModel(model) < 0)
                    {
                        Report(ProfileProblemIds.UnknownFallbackModel, modelValue, $"fallback.model \"{model}\" is not one of the profile's models.");
                    }

                    profile.Fallback.Model = model;
                }

                if (fields.Required("minSimilarity") is JsonValue sim && ReadNumber(sim, "fallback.minSimilarity") is double s)
                {
                    if (s < -1 || s > 1)
                    {
                        Report(ProfileProblemIds.InvalidValue, sim, $"fallback.minSimilarity is {Format(s)}; cosine similarity is in [-1, 1].");
                    }

                    profile.Fallback.MinSimilarity = s;
                }

                if (fields.Optional("lowConfidenceMargin") is JsonValue marginValue && ReadNumber(marginValue, "fallback.lowConfidenceMargin") is double margin)
                {
                    if (margin < 0 || margin > 1)
                    {
                        Report(ProfileProblemIds.InvalidValue, marginValue, $"fallback.lowConfidenceMargin is {Format(margin)}; it is a gap between two estimated qualities, in [0, 1] (0: off).");
                    }
                    else if (margin > 0 && profile.Estimator == null)
                    {
                        Report(ProfileProblemIds.InvalidValue, marginValue, profile.FormatVersion < ProfileDefinition.EstimatorFormatVersion
                            ? $"fallback.lowConfidenceMargin needs formatVersion {ProfileDefinition.EstimatorFormatVersion} and an estimator; this profile says formatVersion {profile.FormatVersion}."
                            : "fallback.lowConfidenceMargin tests a per-prompt estimate, and this profile has no estimator (a cluster-only profile): remove it or set it to 0.");
                    }
                    else
                    {
                        profile.Fallback.LowConfidenceMargin = margin;
                    }
                }
            }

            private ProvenanceDefinition ReadProvenance(JsonValue value)
            {
                var provenance = new ProvenanceDefinition();
                var fields = Fields(value, "provenance", "dataset", "attribution", "createdUtc", "tool", "notes", "heldOutMetrics");
                if (fields == null)
                {
                    return provenance;
                }

                provenance.Dataset = fields.Optional("dataset") is JsonValue d ? ReadString(d, "provenance.dataset", StringRule.Text) : null;
                provenance.Attribution = fields.Optional("attribution") is JsonValue a ? ReadString(a, "provenance.attribution", StringRule.Text) : null;
                provenance.CreatedUtc = fields.Optional("createdUtc") is JsonValue c ? ReadString(c, "provenance.createdUtc", StringRule.Id) : null;
                provenance.Tool = fields.Optional("tool") is JsonValue t ? ReadString(t, "provenance.tool", StringRule.Id) : null;
                provenance.Notes = fields.Optional("notes") is JsonValue n ? ReadString(n, "provenance.notes", StringRule.Text) : null;
                if (fields.Optional("heldOutMetrics") is JsonValue metrics && Expect(metrics, JsonValueKind.Object, "provenance.heldOutMetrics"))
                {
                    foreach (JsonMember member in metrics.Members!)
                    {
                        if (StringProblem(member.Name, StringRule.Id) is string problem)
                        {
                            Report(ProfileProblemIds.InvalidValue, member, $"provenance.heldOutMetrics key {problem}");
                            continue;
                        }

                        if (ReadNumber(member.Value, $"provenance.heldOutMetrics[\"{member.Name}\"]") is double x)
                        {
                            provenance.HeldOutMetrics[member.Name] = x;
                        }
                    }
                }

                return provenance;
            }

            private FieldSet? Fields(JsonValue value, string path, params string[] known)
            {
                if (!Expect(value, JsonValueKind.Object, path))
                {
                    return null;
                }

                var set = new FieldSet(this, value, path);
                foreach (JsonMember member in value.Members!)
                {
                    if (Array.IndexOf(known, member.Name) < 0)
                    {
                        string prefix = path == "(profile)" ? "" : path + ".";
                        Report(ProfileProblemIds.UnknownField, member, $"Unknown field \"{prefix}{member.Name}\"; expected one of: {string.Join(", ", known)}.");
                    }
                    else if (!set.Add(member))
                    {
                        Report(ProfileProblemIds.DuplicateId, member, $"Field \"{member.Name}\" appears twice in {path}.");
                    }
                }

                return set;
            }

            private bool Expect(JsonValue value, JsonValueKind kind, string path)
            {
                if (value.Kind == kind)
                {
                    return true;
                }

                Report(ProfileProblemIds.WrongType, value, $"{path} must be {JsonValue.Describe(kind)}, not {JsonValue.Describe(value.Kind)}.");
                return false;
            }

            private string? ReadString(JsonValue value, string path, StringRule rule)
            {
                if (!Expect(value, JsonValueKind.String, path))
                {
                    return null;
                }

                if (StringProblem(value.String!, rule) is string problem)
                {
                    Report(ProfileProblemIds.InvalidValue, value, path + " " + problem);
                    return null;
                }

                return value.String;
            }

            private bool? ReadBool(JsonValue value, string path)
            {
                if (value.Kind == JsonValueKind.True)
                {
                    return true;
                }

                if (value.Kind == JsonValueKind.False)
                {
                    return false;
                }

                Report(ProfileProblemIds.WrongType, value, $"{path} must be a boolean, not {JsonValue.Describe(value.Kind)}.");
                return null;
            }

            private double? ReadNumber(JsonValue value, string path)
            {
                if (!Expect(value, JsonValueKind.Number, path))
                {
                    return null;
                }

                if (value.IsNonFinite || double.IsNaN(value.Number) || double.IsInfinity(value.Number))
                {
                    Report(ProfileProblemIds.NonFiniteNumber, value, $"{path} is {Format(value.Number)}; only finite numbers are allowed.");
                    return null;
                }

                return value.Number;
            }

            private double? ReadCost(JsonValue value, string path)
            {
                double? cost = ReadNumber(value, path);
                if (cost < 0)
                {
                    Report(ProfileProblemIds.NegativeCost, value, $"{path} is {Format(cost.Value)}; costs are USD and cannot be negative.");
                    return null;
                }

                return cost;
            }

            private int? ReadInt(JsonValue value, string path)
            {
                double? number = ReadNumber(value, path);
                if (number == null)
                {
                    return null;
                }

                if (Math.Floor(number.Value) != number.Value || number.Value > int.MaxValue || number.Value < int.MinValue)
                {
                    Report(ProfileProblemIds.WrongType, value, $"{path} must be an integer, not {Format(number.Value)}.");
                    return null;
                }

                return (int)number.Value;
            }

            private int? OptionalInt(FieldSet fields, string name, string path, int min, int max, bool required = false)
            {
                JsonValue? value = required ? fields.Required(name) : fields.Optional(name);
                if (value == null || !(ReadInt(value, path) is int v))
                {
                    return null;
                }

                if (v < min || v > max)
                {
                    Report(ProfileProblemIds.InvalidValue, value, $"{path} is {v}; expected {min} to {max}.");
                    return null;
                }

                return v;
            }

            private float[]? ReadFloatArray(JsonValue value, string path)
            {
                double[]? numbers = ReadNumberArray(value, path, asFloat: true);
                if (numbers == null)
                {
                    return null;
                }

                var result = new float[numbers.Length];
                for (int i = 0; i < numbers.Length; i++)
                {
                    result[i] = (float)numbers[i];
                }

                return result;
            }

            // An array of finite numbers (finite as floats too when asFloat), every bad item reported.
            private double[]? ReadNumberArray(JsonValue value, string path, bool asFloat)
            {
                if (!Expect(value, JsonValueKind.Array, path))
                {
                    return null;
                }

                List<JsonValue> items = value.Items!;
                var result = new double[items.Count];
                bool ok = true;
                for (int i = 0; i < items.Count; i++)
                {
                    JsonValue item = items[i];
                    if (item.Kind != JsonValueKind.Number)
                    {
                        Report(ProfileProblemIds.WrongType, item, $"{path}[{i}] must be a number, not {JsonValue.Describe(item.Kind)}.");
                        ok = false;
                    }
                    else if (item.IsNonFinite || double.IsNaN(item.Number) || double.IsInfinity(item.Number) || (asFloat && float.IsInfinity((float)item.Number)))
                    {
                        Report(ProfileProblemIds.NonFiniteNumber, item, $"{path}[{i}] is {Format(item.Number)}; only finite numbers are allowed.");
                        ok = false;
                    }
                    else
                    {
                        result[i] = item.Number;
                    }
                }

                return ok ? result : null;
            }

            private static bool IsZero(float[] values)
            {
                foreach (float v in values)
                {
                    if (v != 0)
                    {
                        return false;
                    }
                }

                return true;
            }

            private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

            private sealed class FieldSet
            {
                private readonly Reader _reader;
                private readonly JsonValue _owner;
                private readonly string _path;
                private readonly Dictionary<string, JsonMember> _members = new Dictionary<string, JsonMember>(StringComparer.Ordinal);

                public FieldSet(Reader reader, JsonValue owner, string path)
                {
                    _reader = reader;
                    _owner = owner;
                    _path = path;
                }

                public bool Add(JsonMember member)
                {
                    if (_members.ContainsKey(member.Name))
                    {
                        return false;
                    }

                    _members.Add(member.Name, member);
                    return true;
                }

                public JsonValue? Optional(string name) => _members.TryGetValue(name, out JsonMember? m) ? m.Value : null;

                public JsonValue? Required(string name)
                {
                    if (_members.TryGetValue(name, out JsonMember? m))
                    {
                        return m.Value;
                    }

                    string where = _path == "(profile)" ? "the profile" : _path;
                    _reader.Report(ProfileProblemIds.MissingField, _owner, $"Missing required field \"{name}\" in {where}.");
                    return null;
                }
            }
        }

        /// <summary>True when <paramref name="name"/> is a plain C# identifier (ASCII letters, digits, underscore; not a keyword).</summary>
        public static bool IsIdentifier(string name) => RouterClassName.IsIdentifier(name);

        /// <summary>
        /// Why a string value breaks its field's character rule (the text follows the field's path), or null. Every string
        /// must be well-formed Unicode without the noncharacters U+FFFE/U+FFFF; ids (<see cref="StringRule.Id"/>,
        /// <see cref="StringRule.Identity"/>) also refuse control characters (C0, DEL, C1), line and paragraph separators and
        /// format characters (bidirectional overrides, zero-width characters), which have no meaning in an id and could hide
        /// or reorder text where the id is shown.
        /// </summary>
        internal static string? StringProblem(string value, StringRule rule)
        {
            int max = rule == StringRule.Id ? MaxIdLength : rule == StringRule.Label ? MaxLabelLength : MaxTextLength;
            if (value.Length > max)
            {
                return $"is {value.Length} characters long; at most {max} are allowed.";
            }

            bool id = rule == StringRule.Id || rule == StringRule.Identity;
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    i++;
                    continue;
                }

                if (char.IsSurrogate(c))
                {
                    return $"holds an unpaired surrogate (U+{(int)c:X4}) at character {i}; text must be well-formed Unicode.";
                }

                if (c == '\uFFFE' || c == '\uFFFF')
                {
                    return $"holds the noncharacter U+{(int)c:X4} at character {i}.";
                }

                if (id && (char.IsControl(c) || c == '\u2028' || c == '\u2029' || char.GetUnicodeCategory(c) == UnicodeCategory.Format))
                {
                    return $"holds the control, line-break or format character U+{(int)c:X4} at character {i}; ids are one line of visible text.";
                }
            }

            return null;
        }

        private static bool IsSha256Hex(string value)
        {
            if (value.Length != 64)
            {
                return false;
            }

            foreach (char c in value)
            {
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsPresetName(string name)
        {
            if (name.Length == 0 || !(name[0] >= 'a' && name[0] <= 'z'))
            {
                return false;
            }

            foreach (char c in name)
            {
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
