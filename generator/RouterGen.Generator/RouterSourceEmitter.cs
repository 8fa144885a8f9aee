using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Generator
{
    /// <summary>
    /// Turns one validated profile into C# source. The output is written to be read in a pull request: one centroid row
    /// per line, and above each switch arm a comment saying what the cluster is, how many prompts it saw, how every model
    /// did there, and why the chosen model wins at each knob range.
    /// </summary>
    internal static class RouterSourceEmitter
    {
        private const string GeneratorVersion = "0.1.0";

        // Stack-allocating larger embeddings risks the stack; such routers rent from the pool instead.
        private const int MaxStackDimension = 1024;

        private const string Rt = "global::RouterGen.Routing.";
        private const string Emb = "global::RouterGen.Embedding.";

        public static RouterOutput Build(ProfileSource source, string rootNamespace, CancellationToken cancellationToken)
        {
            ProfileReadResult result = ProfileReader.Read(source.Text);
            cancellationToken.ThrowIfCancellationRequested();
            if (result.Profile == null)
            {
                DiagnosticInfo[] diagnostics = result.Problems.Select(p => ToDiagnostic(source, p)).ToArray();
                return new RouterOutput(source.Path, null, null, null, null, new EquatableArray<DiagnosticInfo>(diagnostics));
            }

            ProfileDefinition profile = result.Profile;
            string ns = profile.Namespace ?? rootNamespace;
            string fullName = ns + "." + profile.Name;
            string text = new Writer(profile, ns, Path.GetFileName(source.Path), cancellationToken).Write();
            return new RouterOutput(source.Path, fullName, fullName + ".g.cs", text, LocateName(source), new EquatableArray<DiagnosticInfo>(Array.Empty<DiagnosticInfo>()));
        }

        private static DiagnosticInfo ToDiagnostic(ProfileSource source, ProfileProblem p)
        {
            int start = Math.Min(p.Offset, source.Text.Length);
            int length = Math.Max(0, Math.Min(p.Length, source.Text.Length - start));
            int endLine = p.Line, endColumn = p.Column;
            for (int i = start; i < start + length; i++)
            {
                if (source.Text[i] == '\n')
                {
                    endLine++;
                    endColumn = 1;
                }
                else
                {
                    endColumn++;
                }
            }

            return new DiagnosticInfo(p.Id, p.Message, source.Path, start, length, p.Line, p.Column, endLine, endColumn);
        }

        private static DiagnosticInfo? LocateName(ProfileSource source)
        {
            JsonValue root = JsonValue.Parse(source.Text);
            foreach (JsonMember member in root.Members!)
            {
                if (member.Name == "name")
                {
                    JsonValue v = member.Value;
                    var problem = new ProfileProblem("", "", v.Start.Line, v.Start.Column, v.Start.Offset, v.EndOffset - v.Start.Offset);
                    return ToDiagnostic(source, problem);
                }
            }

            return null;
        }

        // An arm's explanation holds two ids already cut to GeneratedCodeText.MaxCommentValueLength; this bounds the rest.
        private const int MaxExplanationLength = 1024;

        private sealed class Writer
        {
            private readonly ProfileDefinition _p;
            private readonly string _namespace;
            private readonly string _fileName;
            private readonly CancellationToken _cancellationToken;
            private readonly StringBuilder _s = new StringBuilder();
            private readonly string[] _modelNames;
            private readonly double _costScale;
            private string[]? _commentIds;
            private int _indent;

            public Writer(ProfileDefinition profile, string ns, string fileName, CancellationToken cancellationToken)
            {
                _p = profile;
                _namespace = ns;
                _fileName = fileName;
                _cancellationToken = cancellationToken;
                _modelNames = UniqueIdentifiers(profile.Models.Select(m => m.Id));
                _costScale = ProfileStatistics.CostScale(profile);
            }

            private int ModelCount => _p.Models.Count;

            private int Dimension => _p.Embedder.Dimension;

            private bool HasBuiltInEmbedder => _p.Embedder.Kind == EmbedderDefinition.HashedNgramsKind;

            private EstimatorDefinition? Estimator => _p.Estimator;

            private CentroidPrecision Precision => _p.CentroidPrecision;

            private bool HasLinearHeads => Estimator != null && Estimator.Kind == EstimatorDefinition.LinearKind;

            public string Write()
            {
                Line("// <auto-generated/>");
                Line($"// Generated by RouterGen {GeneratorVersion} from {CommentText(_fileName)}. Do not edit: change the profile and rebuild.");
                Line($"// Router {CommentText(_p.Name)}: {_p.Clusters.Count} clusters x {Dimension} dimensions, {ModelCount} models.");
                Line($"// Embedder: {GeneratedCodeText.Comment(_p.Embedder.Identity, GeneratedCodeText.MaxDocValueLength)}");
                if (_p.Provenance is ProvenanceDefinition prov)
                {
                    Comment("Data", prov.Dataset);
                    Comment("Attribution", prov.Attribution);
                    Comment("Fit", JoinNonEmpty(prov.CreatedUtc, prov.Tool));
                    foreach (KeyValuePair<string, double> metric in prov.HeldOutMetrics)
                    {
                        Line($"// Held-out {CommentText(metric.Key)}: {metric.Value.ToString("0.####", CultureInfo.InvariantCulture)}");
                    }
                }

                Line("#nullable enable");
                Line();
                Line($"namespace {GeneratedCodeText.DottedName(_namespace)}");
                Open();
                WriteClass();
                Close();
                return _s.ToString();
            }

            private void WriteClass()
            {
                Line("/// <summary>");
                if (Estimator == null)
                {
                    Line($"/// Router compiled from <c>{Xml(_fileName)}</c>: nearest of {_p.Clusters.Count} centroids, then the model that wins in that cluster under the requested policy and knob.");
                }
                else if (HasLinearHeads)
                {
                    Line($"/// Router compiled from <c>{Xml(_fileName)}</c>: a learned, calibrated quality estimate per model for each prompt (one logistic head per model) and the");
                    Line($"/// nearest of {_p.Clusters.Count} centroids' costs, then the model the requested policy and knob choose; the nearest cluster explains the decision and an");
                    Line("/// out-of-distribution prompt (too far from every centroid) takes the fallback rule.");
                }
                else
                {
                    Line($"/// Router compiled from <c>{Xml(_fileName)}</c>: the similarity-weighted quality and cost of the {Estimator.TopClusters} nearest of {_p.Clusters.Count} centroids");
                    Line("/// (soft clusters), then the model the requested policy and knob choose; an out-of-distribution prompt takes the fallback rule.");
                }

                if (Estimator != null && _p.Fallback.LowConfidenceMargin > 0)
                {
                    Line($"/// So does a low-confidence prompt: one whose estimate puts the best allowed model less than {Xml(RouteExplanation.Points(_p.Fallback.LowConfidenceMargin))} ahead of the runner-up.");
                }
                if (!string.IsNullOrEmpty(_p.Description))
                {
                    Line($"/// {Xml(_p.Description!)}");
                }

                Line("/// </summary>");
                Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"RouterGen.Generator\", \"{GeneratorVersion}\")]");
                Line($"public static partial class {GeneratedCodeText.DottedName(_p.Name)}");
                Open();
                Line("/// <summary>Length of the embeddings this router compares.</summary>");
                Line($"public const int Dimension = {Dimension};");
                Line();
                Line("/// <summary>Number of clusters (centroids).</summary>");
                Line($"public const int ClusterCount = {_p.Clusters.Count};");
                Line();
                Line("/// <summary>Number of candidate models.</summary>");
                Line($"public const int ModelCount = {ModelCount};");
                Line();
                Line("/// <summary>Identity of the embedder the profile was fit with; a router refuses any other.</summary>");
                Line($"public const string EmbedderIdentity = {Str(_p.Embedder.Identity)};");
                Line();
                Line($"/// <summary>Prompts less similar than this to every centroid go to the fallback model, {Xml(_p.Fallback.Model)}.</summary>");
                Line($"public const double MinSimilarity = {Double(_p.Fallback.MinSimilarity)};");
                Line();
                WriteModels();
                WritePresets();
                WriteTables();
                WriteRoute();
                WriteWinners(shortfall: false);
                WriteWinners(shortfall: true);
                WriteCentroids();
                if (HasLinearHeads)
                {
                    WriteHeadWeights();
                    WriteIsotonicTables();
                }

                WriteStatistics();
                if (HasBuiltInEmbedder)
                {
                    WriteBucketWeights();
                }

                Close();
            }

            private void WriteModels()
            {
                Line("/// <summary>Model ids, as the decision's <c>ModelId</c> reports them.</summary>");
                Line("public static class Models");
                Open();
                double[] global = ProfileStatistics.GlobalQuality(_p);
                for (int m = 0; m < ModelCount; m++)
                {
                    ModelDefinition model = _p.Models[m];
                    Line($"/// <summary>{Xml(model.DisplayName ?? model.Id)}: model index {m}, overall quality {Q(global[m])}, {Usd(model.CostPerRequestUsd)} per request{(model.CostIsEstimate ? " (estimated from prices)" : "")}.</summary>");
                    Line($"public const string {_modelNames[m]} = {Str(model.Id)};");
                    if (m + 1 < ModelCount)
                    {
                        Line();
                    }
                }

                Close();
                Line();
                Line("/// <summary>Model indices, as the decision's <c>ModelIndex</c> and <c>ModelMask</c> use them.</summary>");
                Line("public static class ModelIndex");
                Open();
                for (int m = 0; m < ModelCount; m++)
                {
                    Line($"/// <summary>Index of {Xml(_p.Models[m].Id)}.</summary>");
                    Line($"public const int {_modelNames[m]} = {m};");
                    if (m + 1 < ModelCount)
                    {
                        Line();
                    }
                }

                Close();
                Line();
            }

            private void WritePresets()
            {
                Line("/// <summary>The profile's named knob settings.</summary>");
                Line("public static class Presets");
                Open();
                string[] names = UniqueIdentifiers(_p.Presets.Select(p => p.Name));
                for (int i = 0; i < _p.Presets.Count; i++)
                {
                    PresetDefinition preset = _p.Presets[i];
                    string policy = preset.Policy.ToString();
                    Line($"/// <summary>\"{Xml(preset.Name)}\": {RoutingPolicyNames.Format(preset.Policy)}, knob {Double(preset.Value)}.{(preset.Description == null ? "" : " " + Xml(preset.Description))}</summary>");
                    Line($"public static {Rt}RoutingOptions {names[i]} => new {Rt}RoutingOptions({Rt}RoutingPolicy.{policy}, {Double(preset.Value)});");
                    if (i + 1 < _p.Presets.Count)
                    {
                        Line();
                    }
                }

                Close();
                Line();
            }

            private void WriteTables()
            {
                Line("/// <summary>Model ids, labels, statistics, presets and fallback rule, shared with runtime-loaded routers.</summary>");
                Line($"public static {Rt}RouterTables Tables => s_tables;");
                Line();
                Line($"private static readonly {Rt}RouterTables s_tables = new {Rt}RouterTables(");
                _indent++;
                Line($"{Str(_p.Name)},");
                Line("EmbedderIdentity,");
                Line("Dimension,");
                Line($"new string[] {{ {string.Join(", ", _p.Models.Select(m => Str(m.Id)))} }},");
                Line($"new string[] {{ {string.Join(", ", _p.Clusters.Select(c => Str(c.Label)))} }},");
                Line("ClusterQuality.ToArray(),");
                Line("ClusterCostUsd.ToArray(),");
                Line($"new double[] {{ {string.Join(", ", ProfileStatistics.GlobalQuality(_p).Select(Double))} }},");
                Line($"new double[] {{ {string.Join(", ", _p.Models.Select(m => Double(m.CostPerRequestUsd)))} }},");
                Line($"{Double(_costScale)},");
                Line($"{_p.IndexOfModel(_p.Fallback.Model)},");
                Line("MinSimilarity,");
                Line($"new string[] {{ {string.Join(", ", _p.Presets.Select(p => Str(p.Name)))} }},");
                string presetOptions = $"new {Rt}RoutingOptions[] {{ {string.Join(", ", _p.Presets.Select(p => $"new {Rt}RoutingOptions({Rt}RoutingPolicy.{p.Policy}, {Double(p.Value)})"))} }}";
                var named = new List<string>();
                if (Estimator != null && !HasLinearHeads)
                {
                    // Soft clusters are the routing flow's own blend; the profile only says how many clusters a request blends by default.
                    named.Add($"defaultTopClusters: {Estimator.TopClusters}");
                }

                if (Estimator != null && _p.Fallback.LowConfidenceMargin > 0)
                {
                    // The flow's low-confidence test: an estimate whose best allowed model leads the runner-up by less than
                    // this quality gap is decided by the global statistics (fallback.lowConfidenceMargin).
                    named.Add($"lowConfidenceMargin: {Double(_p.Fallback.LowConfidenceMargin)}");
                }

                for (int i = 0; i < named.Count; i++)
                {
                    Line(i == 0 ? $"{presetOptions}," : $"{named[i - 1]},");
                }

                Line(named.Count == 0 ? $"{presetOptions});" : $"{named[named.Count - 1]});");
                _indent--;
                Line();
            }

            private void WriteRoute()
            {
                Line("/// <summary>Routes a prompt embedding (of the profile's embedder). Allocates nothing.</summary>");
                Line("/// <param name=\"embedding\">The prompt's embedding; length <see cref=\"Dimension\"/>.</param>");
                Line("/// <param name=\"options\">Policy, knob and allowed models; the default is maximum quality over all models.</param>");
                Line($"/// <exception cref=\"{Emb}EmbedderMismatchException\">The embedding's length is not <see cref=\"Dimension\"/>.</exception>");
                Line($"public static {Rt}RouteDecision Route(global::System.ReadOnlySpan<float> embedding, in {Rt}RoutingOptions options = default) =>");
                _indent++;
                Line($"{Rt}RouterKernel.{(HasLinearHeads ? "RouteEstimated" : "Route")}(new Kernel(), embedding, options);");
                _indent--;
                Line();
                WriteKernel();

                if (HasBuiltInEmbedder)
                {
                    HashedNgramParameters h = _p.Embedder.HashedNgrams ?? new HashedNgramParameters();
                    Line("/// <summary>The built-in embedder with the profile's parameters.</summary>");
                    Line($"public static {Emb}HashedNgramEmbedder Embedder => s_embedder;");
                    Line();
                    Line($"private static readonly {Emb}HashedNgramEmbedder s_embedder = new {Emb}HashedNgramEmbedder(Dimension, new global::RouterGen.Profiles.HashedNgramParameters");
                    Open();
                    Line($"WordNgramMax = {h.WordNgramMax},");
                    Line($"CharNgramMin = {h.CharNgramMin},");
                    Line($"CharNgramMax = {h.CharNgramMax},");
                    Line($"CharNgramWeight = {Double(h.CharNgramWeight)},");
                    Line($"SublinearTf = {(h.SublinearTf ? "true" : "false")},");
                    Line($"Seed = {h.Seed.ToString(CultureInfo.InvariantCulture)}u,");
                    Line($"MaxChars = {h.MaxChars},");
                    Line($"BucketWeights = {(h.BucketWeights == null ? "null" : "BucketWeights.ToArray()")},");
                    _indent--;
                    Line("});");
                    Line();
                    Line("/// <summary>Embeds <paramref name=\"prompt\"/> with the built-in embedder and routes it. Allocates nothing.</summary>");
                    Line($"public static {Rt}RouteDecision Route(global::System.ReadOnlySpan<char> prompt, in {Rt}RoutingOptions options = default)");
                    Open();
                    if (Dimension <= MaxStackDimension)
                    {
                        Line("global::System.Span<float> embedding = stackalloc float[Dimension];");
                        Line("s_embedder.Embed(prompt, embedding);");
                        Line("return Route(embedding, options);");
                    }
                    else
                    {
                        Line("float[] rented = global::System.Buffers.ArrayPool<float>.Shared.Rent(Dimension);");
                        Line("try");
                        Open();
                        Line("global::System.Span<float> embedding = new global::System.Span<float>(rented, 0, Dimension);");
                        Line("s_embedder.Embed(prompt, embedding);");
                        Line("return Route(embedding, options);");
                        Close();
                        Line("finally");
                        Open();
                        Line("global::System.Buffers.ArrayPool<float>.Shared.Return(rented);");
                        Close();
                    }

                    Close();
                    Line();
                }

                Line("/// <summary>A router over prompt text for serving code; with no embedder, the profile's built-in embedder.</summary>");
                Line($"/// <exception cref=\"{Emb}EmbedderMismatchException\">The embedder is not the one the profile was fit with.</exception>");
                Line($"public static {Rt}IPromptRouter CreatePromptRouter({Emb}IEmbedder? embedder = null)");
                Open();
                if (HasBuiltInEmbedder)
                {
                    Line($"return new {Rt}PromptRouter(s_tables, embedder ?? s_embedder, Route);");
                }
                else
                {
                    Line($"return new {Rt}PromptRouter(s_tables, embedder ?? throw new global::System.ArgumentNullException(nameof(embedder), \"This router was fit with embedder '\" + EmbedderIdentity + \"'; pass that embedder.\"), Route);");
                }

                Close();
                Line();
            }

            private void WriteKernel()
            {
                string self = "global::" + _namespace + "." + _p.Name;
                Line("// What the runtime's one decision flow (fallback, mask, winner, the decision) reads from this router. A struct, so");
                Line("// the JIT and NativeAOT specialise that flow for this router with no virtual call.");
                Line($"private readonly struct Kernel : {Rt}{(HasLinearHeads ? "IQualityEstimatingKernel" : "IRouterKernel")}");
                Open();
                Line($"public {Rt}RouterTables Tables => s_tables;");
                Line();
                Line($"public int Dimension => {self}.Dimension;");
                Line();
                if (Precision == CentroidPrecision.Float32)
                {
                    Line($"public global::System.ReadOnlySpan<float> UnitCentroids => s_alignedCentroids.Rows;");
                }
                else
                {
                    Line($"// The centroids are stored as {CentroidPrecisionNames.Format(Precision)} (the profile's centroidPrecision): the search reads");
                    Line("// QuantizedCentroids, and there are no float32 rows.");
                    Line("public global::System.ReadOnlySpan<float> UnitCentroids => default;");
                    Line();
                    Line("public static bool SearchesQuantizedCentroids => true;");
                    Line();
                    Line($"public {Rt}QuantizedCentroids QuantizedCentroids => s_quantizedCentroids;");
                }

                Line();
                Line($"public int CostWeightedWinner(int cluster, double costWeight) => {self}.CostWeightedWinner(cluster, costWeight);");
                Line();
                Line($"public int ShortfallWinner(int cluster, double shortfall) => {self}.ShortfallWinner(cluster, shortfall);");
                if (HasLinearHeads)
                {
                    Line();
                    WriteEstimate(self);
                }

                Close();
                Line();
            }

            private void WriteEstimate(string self)
            {
                Line("public void EstimateQuality(global::System.ReadOnlySpan<float> embedding, global::System.Span<double> quality)");
                Open();
                Line("// One calibrated logistic head per model: quality = sigmoid(scale * (weights . embedding + bias) + offset); the dot");
                Line("// products eight heads per pass, then each model's bias and Platt calibration, then sigmoid over all of them.");
                Line("// Costs are the nearest cluster's (or the request's top clusters' blend): the runtime's flow supplies them.");
                Line("global::System.Span<double> logits = quality.Slice(0, ModelCount);");
                Line($"{Rt}QualityEstimation.HeadDots(s_alignedHeadWeights.Rows, embedding, logits);");
                for (int m = 0; m < ModelCount; m++)
                {
                    LinearHeadDefinition head = Estimator!.Heads[m];
                    if (head.IsotonicLogits != null)
                    {
                        Line($"double raw{m} = logits[{m}] + {Double(head.Bias)}; // {CommentText(_p.Models[m].Id)}: isotonic, its table's value at the raw logit below");
                    }

                    Line($"logits[{m}] = ({Double(head.PlattScale)} * (logits[{m}] + {Double(head.Bias)})) + {Double(head.PlattOffset)}; // {CommentText(_p.Models[m].Id)}");
                }

                Line($"{Rt}QualityEstimation.Logistic(logits);");
                for (int m = 0; m < ModelCount; m++)
                {
                    if (Estimator!.Heads[m].IsotonicLogits != null)
                    {
                        Line($"logits[{m}] = {Rt}QualityEstimation.Isotonic(IsotonicLogits{m}, IsotonicQualities{m}, raw{m});");
                    }
                }

                Close();
            }

            private void WriteIsotonicTables()
            {
                for (int m = 0; m < ModelCount; m++)
                {
                    LinearHeadDefinition head = Estimator!.Heads[m];
                    if (head.IsotonicLogits == null)
                    {
                        continue;
                    }

                    Line($"// {CommentText(_p.Models[m].Id)}: isotonic calibration, quality linear between these raw logits, constant beyond (RVA data).");
                    Line($"private static global::System.ReadOnlySpan<double> IsotonicLogits{m} => [{string.Join(", ", head.IsotonicLogits.Select(Double))}];");
                    Line();
                    Line($"private static global::System.ReadOnlySpan<double> IsotonicQualities{m} => [{string.Join(", ", head.IsotonicQualities!.Select(Double))}];");
                    Line();
                }
            }

            private void WriteHeadWeights()
            {
                Line("// Weights of each model's logistic head on the raw embedding (the fit's subspace projection folded in), one row per");
                Line("// model in profile order; stored as static RVA data, so scoring allocates nothing.");
                Line("private static global::System.ReadOnlySpan<float> HeadWeights =>");
                Line("[");
                _indent++;
                for (int m = 0; m < ModelCount; m++)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    Line($"// {m}: {CommentText(_p.Models[m].Id)}");
                    Line(string.Join(", ", Estimator!.Heads[m].Weights.Select(Float)) + ",");
                }

                _indent--;
                Line("];");
                Line();
                Line("// Copied once into 64-byte-aligned memory, as the centroids are: the heads' vector loads then never split a cache line.");
                Line($"private static readonly {Rt}AlignedCentroids s_alignedHeadWeights = {Rt}AlignedCentroids.Copy(HeadWeights);");
                Line();
            }

            // The estimate at a cluster's centroid, for the arm comments only (a reviewer's view of what the heads learned
            // there); routing computes its estimate per prompt in float, through the runtime's one function.
            private double PredictedAtCentroid(ClusterDefinition cluster, int model)
            {
                LinearHeadDefinition head = Estimator!.Heads[model];
                double dot = 0;
                for (int j = 0; j < Dimension; j++)
                {
                    dot += (double)head.Weights[j] * cluster.Centroid[j];
                }

                if (head.IsotonicLogits is double[] logits)
                {
                    return IsotonicAt(logits, head.IsotonicQualities!, dot + head.Bias);
                }

                double t = (head.PlattScale * (dot + head.Bias)) + head.PlattOffset;
                return t >= 0 ? 1 / (1 + Math.Exp(-t)) : Math.Exp(t) / (1 + Math.Exp(t));
            }

            // For the arm comments only, as PredictedAtCentroid is (routing calls the runtime's QualityEstimation.Isotonic).
            private static double IsotonicAt(double[] logits, double[] qualities, double t)
            {
                int above = 0;
                while (above < logits.Length && logits[above] < t)
                {
                    above++;
                }

                if (above == 0 || above == logits.Length)
                {
                    return qualities[above == 0 ? 0 : logits.Length - 1];
                }

                double share = (t - logits[above - 1]) / (logits[above] - logits[above - 1]);
                return qualities[above - 1] + (share * (qualities[above] - qualities[above - 1]));
            }

            private void WriteWinners(bool shortfall)
            {
                string knob = shortfall ? "shortfall" : "costWeight";
                if (HasLinearHeads && !shortfall)
                {
                    Line("// This router decides with its per-prompt estimate (Kernel.EstimateQuality); the per-cluster winners below are what");
                    Line("// the clusters' own statistics would choose, kept to explain each cluster and to review how a refit moves them.");
                }
                else if (Estimator != null && !shortfall)
                {
                    Line($"// This router blends its {Estimator.TopClusters} nearest clusters by default; the per-cluster winners below decide a request");
                    Line("// that asks for the nearest cluster alone (top clusters 1), and explain each cluster to a reviewer of a refit.");
                }

                if (shortfall)
                {
                    Line("// Shortfall (HyDRA): the cheapest model whose expected quality is within the threshold of the cluster's best.");
                    Line("// A model becomes eligible once the threshold reaches its quality gap, so the winner changes only at those gaps.");
                }
                else
                {
                    Line("// Cost-weighted: maximise (1 - w) * quality - w * cost / " + Usd(_costScale) + " (the profile's largest per-request cost).");
                    Line("// Each model's score is a line in w, so each cluster's winner is piecewise constant; the ranges below are that");
                    Line("// upper envelope, computed at build time. Per-model statistics are listed once, above this method's arms.");
                }

                Line($"private static int {(shortfall ? "ShortfallWinner" : "CostWeightedWinner")}(int cluster, double {knob})");
                Open();
                Line("switch (cluster)");
                Open();
                for (int c = 0; c < _p.Clusters.Count; c++)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    ClusterDefinition cluster = _p.Clusters[c];
                    KnobBreakpoints breakpoints = shortfall
                        ? RoutingMath.ShortfallBreakpoints(cluster.Quality, cluster.CostUsd, 0, ModelCount)
                        : RoutingMath.CostWeightedBreakpoints(cluster.Quality, cluster.CostUsd, 0, ModelCount, _costScale);
                    Line($"// Cluster {c} \"{CommentText(cluster.Label)}\" (id {CommentText(cluster.Id)}), {cluster.SampleCount} prompts.");
                    if (!shortfall)
                    {
                        WriteClusterTable(cluster);
                    }

                    WriteWhy(cluster, breakpoints, shortfall);
                    Line($"case {c}:");
                    _indent++;
                    for (int i = 0; i < breakpoints.UpperBounds.Length; i++)
                    {
                        Line($"if ({knob} < {Double(breakpoints.UpperBounds[i])}) return {breakpoints.Models[i]}; // {CommentText(_p.Models[breakpoints.Models[i]].Id)}");
                    }

                    int last = breakpoints.Models[breakpoints.Models.Length - 1];
                    Line($"return {last}; // {CommentText(_p.Models[last].Id)}");
                    _indent--;
                }

                Line("default:");
                _indent++;
                Line("throw new global::System.ArgumentOutOfRangeException(nameof(cluster));");
                _indent--;
                Close();
                Close();
                Line();
            }

            private void WriteClusterTable(ClusterDefinition cluster)
            {
                // Sorted best quality first so the reviewer sees the contenders at the top. Padding is to the longest id as
                // the comment shows it (bounded), so one long id cannot widen every row of every cluster.
                int width = _p.Models.Max(m => CommentText(m.Id).Length);
                foreach (int m in Enumerable.Range(0, ModelCount).OrderByDescending(m => cluster.Quality[m]).ThenBy(m => cluster.CostUsd[m]).ThenBy(m => m))
                {
                    string predicted = HasLinearHeads ? $"  predicted at centroid {Q(PredictedAtCentroid(cluster, m))}" : "";
                    Line($"//   {CommentText(_p.Models[m].Id).PadRight(width)}  quality {Q(cluster.Quality[m])}  cost {Usd(cluster.CostUsd[m])}{predicted}");
                }
            }

            private void WriteWhy(ClusterDefinition cluster, KnobBreakpoints breakpoints, bool shortfall)
            {
                // The text is RouteDecision.Explain's own last line for a prompt in this cluster and knob interval. Ids are
                // escaped and cut first (as everywhere in comments), then the whole line is escaped once more as one comment.
                RoutingPolicy policy = shortfall ? RoutingPolicy.Shortfall : RoutingPolicy.CostWeighted;
                _commentIds ??= _p.Models.Select(m => CommentText(m.Id)).ToArray();
                for (int i = 0; i < breakpoints.Models.Length; i++)
                {
                    string arm = RouteExplanation.Arm(cluster.Quality, cluster.CostUsd, 0, ModelCount, _commentIds, breakpoints, i, policy);
                    Line("// " + GeneratedCodeText.Comment(arm, MaxExplanationLength));
                }
            }

            private void WriteCentroids()
            {
                if (Precision != CentroidPrecision.Float32)
                {
                    WriteQuantizedCentroids();
                    return;
                }

                Line("// Unit-length centroids, one row per cluster; stored as static RVA data, so reading them allocates nothing.");
                Line("private static global::System.ReadOnlySpan<float> UnitCentroids =>");
                Line("[");
                _indent++;
                for (int c = 0; c < _p.Clusters.Count; c++)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    ClusterDefinition cluster = _p.Clusters[c];
                    Line($"// {c}: \"{CommentText(cluster.Label)}\"");
                    Line(string.Join(", ", RoutingMath.Normalize(cluster.Centroid).Select(Float)) + ",");
                }

                _indent--;
                Line("];");
                Line();
                Line("// The same rows copied once into 64-byte-aligned memory (RVA data is aligned to 4 bytes only): the search's vector");
                Line("// loads then never split a cache line.");
                Line($"private static readonly {Rt}AlignedCentroids s_alignedCentroids = {Rt}AlignedCentroids.Copy(UnitCentroids);");
                Line();
            }

            // The unit rows encoded by CentroidQuantization (linked from the runtime), which RouterProfile runs on the same
            // rows at load time: both routers search the same bits.
            private void WriteQuantizedCentroids()
            {
                bool half = Precision == CentroidPrecision.Float16;
                var scales = new float[_p.Clusters.Count];
                Line(half
                    ? "// Unit-length centroids as IEEE half-precision bits (centroidPrecision \"float16\"), one row per cluster; RVA data."
                    : "// Unit-length centroids as int8 levels (centroidPrecision \"int8\"), one row per cluster; RVA data. A number is its");
                if (!half)
                {
                    Line("// level times its row's scale in CentroidScales (the row's largest magnitude / 127).");
                }

                Line(half ? "private static global::System.ReadOnlySpan<ushort> CentroidHalfBits =>" : "private static global::System.ReadOnlySpan<sbyte> CentroidLevels =>");
                Line("[");
                _indent++;
                for (int c = 0; c < _p.Clusters.Count; c++)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    ClusterDefinition cluster = _p.Clusters[c];
                    float[] unit = RoutingMath.Normalize(cluster.Centroid);
                    Line($"// {c}: \"{CommentText(cluster.Label)}\"");
                    if (half)
                    {
                        Line(string.Join(", ", unit.Select(x => "0x" + CentroidQuantization.ToHalfBits(x).ToString("X4", CultureInfo.InvariantCulture))) + ",");
                    }
                    else
                    {
                        var levels = new sbyte[Dimension];
                        scales[c] = CentroidQuantization.QuantizeInt8(unit, 0, Dimension, levels, 0);
                        Line(string.Join(", ", levels.Select(l => l.ToString(CultureInfo.InvariantCulture))) + ",");
                    }
                }

                _indent--;
                Line("];");
                Line();
                if (!half)
                {
                    Line("private static global::System.ReadOnlySpan<float> CentroidScales =>");
                    Line("[");
                    _indent++;
                    Line(string.Join(", ", scales.Select(Float)) + ",");
                    _indent--;
                    Line("];");
                    Line();
                }

                Line("// The same rows copied once into 64-byte-aligned memory (RVA data is aligned to 4 bytes only), padded to whole");
                Line("// eight-row passes of the search.");
                Line(half
                    ? $"private static readonly {Rt}QuantizedCentroids s_quantizedCentroids = {Rt}QuantizedCentroids.FromHalfBits(Dimension, CentroidHalfBits);"
                    : $"private static readonly {Rt}QuantizedCentroids s_quantizedCentroids = {Rt}QuantizedCentroids.FromInt8(Dimension, CentroidLevels, CentroidScales);");
                Line();
            }

            private void WriteStatistics()
            {
                foreach (bool quality in new[] { true, false })
                {
                    Line(quality
                        ? "// Expected quality (success rate) per cluster (row) and model (column, profile order)."
                        : "// Expected cost per request in USD per cluster (row) and model (column, profile order).");
                    Line($"private static global::System.ReadOnlySpan<double> {(quality ? "ClusterQuality" : "ClusterCostUsd")} =>");
                    Line("[");
                    _indent++;
                    for (int c = 0; c < _p.Clusters.Count; c++)
                    {
                        ClusterDefinition cluster = _p.Clusters[c];
                        Line(string.Join(", ", (quality ? cluster.Quality : cluster.CostUsd).Select(Double)) + $", // {c}");
                    }

                    _indent--;
                    Line("];");
                    Line();
                }
            }

            private void WriteBucketWeights()
            {
                float[]? weights = _p.Embedder.HashedNgrams?.BucketWeights;
                if (weights == null)
                {
                    return;
                }

                Line("// Per-bucket weights of the built-in embedder, learned at fit time.");
                Line("private static global::System.ReadOnlySpan<float> BucketWeights =>");
                Line("[");
                _indent++;
                for (int i = 0; i < weights.Length; i += 16)
                {
                    Line(string.Join(", ", weights.Skip(i).Take(16).Select(Float)) + ",");
                }

                _indent--;
                Line("];");
                Line();
            }

            private void Comment(string label, string? value)
            {
                if (!string.IsNullOrEmpty(value))
                {
                    // Written once per file, so the whole value (up to a bound) is shown.
                    Line($"// {label}: {GeneratedCodeText.Comment(value!, GeneratedCodeText.MaxDocValueLength)}");
                }
            }

            private void Open()
            {
                Line("{");
                _indent++;
            }

            private void Close()
            {
                // A member list ends without a blank line before the brace.
                if (_s.Length >= 2 && _s[_s.Length - 1] == '\n' && _s[_s.Length - 2] == '\n')
                {
                    _s.Length--;
                }

                _indent--;
                Line("}");
            }

            private void Line(string text = "")
            {
                if (text.Length > 0)
                {
                    _s.Append(' ', _indent * 4).Append(text);
                }

                _s.Append('\n');
            }

            private static string JoinNonEmpty(params string?[] parts) => string.Join(", ", parts.Where(p => !string.IsNullOrEmpty(p)));
        }

        private static readonly char[] DecimalMarks = { '.', 'E', 'e' };

        /// <summary>Round-trip double literal (always with a decimal point or exponent, so it is a double).</summary>
        internal static string Double(double value)
        {
            string text = value.ToString("R", CultureInfo.InvariantCulture);
            return text.IndexOfAny(DecimalMarks) >= 0 ? text : text + ".0";
        }

        /// <summary>Round-trip float literal.</summary>
        internal static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";

        // One rounding everywhere: the generated comments show numbers exactly as RouteDecision.Explain and the CLI do.
        private static string Q(double quality) => RouteExplanation.Percent(quality);

        private static string Usd(double usd) => RouteExplanation.Usd(usd);

        // Every profile-derived string goes through GeneratedCodeText, one escaping per context.
        private static string Str(string value) => GeneratedCodeText.StringLiteral(value);

        private static string CommentText(string value) => GeneratedCodeText.Comment(value);

        private static string Xml(string value) => GeneratedCodeText.XmlDoc(value);

        // The nested classes' own names cannot be member names inside them (CS0542).
        private static string[] UniqueIdentifiers(IEnumerable<string> ids) => GeneratedCodeText.UniqueIdentifiers(ids, "Models", "ModelIndex", "Presets");
    }
}
