using System;
using System.Numerics;

namespace RouterGen.Routing
{
    /// <summary>
    /// A per-request set of allowed models (for example, models that are up, or within a tenant's contract), as bits over
    /// profile model indices. The default value allows every model.
    /// </summary>
    public readonly struct ModelMask : IEquatable<ModelMask>
    {
        // Stored as the excluded set so that default(ModelMask) allows everything.
        private readonly ulong _excluded;

        private ModelMask(ulong excluded)
        {
            _excluded = excluded;
        }

        /// <summary>Every model allowed.</summary>
        public static ModelMask All => default;

        /// <summary>Only the models whose bits are set in <paramref name="allowedBits"/> (bit i = model index i).</summary>
        public static ModelMask FromAllowedBits(ulong allowedBits) => new(~allowedBits);

        /// <summary>Only the given model indices.</summary>
        public static ModelMask Only(params ReadOnlySpan<int> models)
        {
            ulong bits = 0;
            foreach (int m in models)
            {
                bits |= Bit(m);
            }

            return FromAllowedBits(bits);
        }

        /// <summary>This mask with <paramref name="model"/> excluded.</summary>
        public ModelMask Without(int model) => new(_excluded | Bit(model));

        /// <summary>This mask with <paramref name="model"/> allowed.</summary>
        public ModelMask With(int model) => new(_excluded & ~Bit(model));

        /// <summary>True when <paramref name="model"/> is allowed.</summary>
        public bool IsAllowed(int model) => (_excluded & Bit(model)) == 0;

        /// <summary>Allowed bits restricted to the first <paramref name="modelCount"/> models.</summary>
        public ulong AllowedBits(int modelCount) => ~_excluded & RoutingMath.AllModels(modelCount);

        /// <summary>True when none of the first <paramref name="modelCount"/> models is excluded.</summary>
        public bool AllowsAll(int modelCount) => (_excluded & RoutingMath.AllModels(modelCount)) == 0;

        /// <summary>Number of allowed models among the first <paramref name="modelCount"/>.</summary>
        public int CountAllowed(int modelCount) => BitOperations.PopCount(AllowedBits(modelCount));

        /// <inheritdoc />
        public bool Equals(ModelMask other) => _excluded == other._excluded;

        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is ModelMask other && Equals(other);

        /// <inheritdoc />
        public override int GetHashCode() => _excluded.GetHashCode();

        /// <summary>Equality.</summary>
        public static bool operator ==(ModelMask left, ModelMask right) => left.Equals(right);

        /// <summary>Inequality.</summary>
        public static bool operator !=(ModelMask left, ModelMask right) => !left.Equals(right);

        private static ulong Bit(int model)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(model);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(model, 64);
            return 1UL << model;
        }
    }

    /// <summary>
    /// How to route one request: a policy, its knob, the models allowed for this request, and how many nearest clusters'
    /// statistics speak for the prompt (Avengers-Pro's soft clusters when more than one).
    /// </summary>
    public readonly struct RoutingOptions : IEquatable<RoutingOptions>
    {
        /// <summary>The most nearest clusters one request can blend (their indices and similarities live on the stack).</summary>
        public const int MaxTopClusters = Profiles.EstimatorDefinition.MaxTopClusters;

        /// <summary>Creates options.</summary>
        /// <param name="policy">The in-cluster rule.</param>
        /// <param name="knob">Cost weight in [0, 1] for <see cref="RoutingPolicy.CostWeighted"/>; shortfall τ in [0, 1] for <see cref="RoutingPolicy.Shortfall"/>.</param>
        /// <param name="allowedModels">Models this request may use; default allows all.</param>
        public RoutingOptions(RoutingPolicy policy, double knob, ModelMask allowedModels = default)
        {
            if (double.IsNaN(knob))
            {
                throw new ArgumentOutOfRangeException(nameof(knob), "The knob must be a number.");
            }

            _policyAndTopClusters = (uint)policy;
            Knob = knob;
            AllowedModels = allowedModels;
        }

        /// <summary>Creates options that blend the <paramref name="topClusters"/> nearest clusters (see <see cref="TopClusters"/>).</summary>
        /// <param name="policy">The in-cluster rule.</param>
        /// <param name="knob">Cost weight in [0, 1] for <see cref="RoutingPolicy.CostWeighted"/>; shortfall τ in [0, 1] for <see cref="RoutingPolicy.Shortfall"/>.</param>
        /// <param name="allowedModels">Models this request may use.</param>
        /// <param name="topClusters">How many nearest clusters blend their statistics: 1 to <see cref="MaxTopClusters"/> (and at most the router's cluster count, checked when routing).</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="topClusters"/> is below 1 or above <see cref="MaxTopClusters"/>.</exception>
        public RoutingOptions(RoutingPolicy policy, double knob, ModelMask allowedModels, int topClusters)
            : this(policy, knob, allowedModels)
        {
            _policyAndTopClusters |= (ulong)(uint)CheckTopClusters(topClusters) << 32;
        }

        /// <summary>Maximum expected quality (cost-weighted, knob 0). This is also the default value.</summary>
        public static RoutingOptions MaxQuality => default;

        /// <summary>Cost-weighted routing with cost weight <paramref name="costWeight"/>.</summary>
        public static RoutingOptions CostWeighted(double costWeight) => new(RoutingPolicy.CostWeighted, costWeight);

        /// <summary>Shortfall routing with threshold <paramref name="shortfall"/> (quality units).</summary>
        public static RoutingOptions Shortfall(double shortfall) => new(RoutingPolicy.Shortfall, shortfall);

        /// <summary>The in-cluster rule.</summary>
        public RoutingPolicy Policy => (RoutingPolicy)(int)(uint)_policyAndTopClusters;

        /// <summary>The knob of <see cref="Policy"/>.</summary>
        public double Knob { get; }

        /// <summary>Models this request may use.</summary>
        public ModelMask AllowedModels { get; }

        /// <summary>
        /// How many nearest clusters' statistics speak for the prompt, or 0 to leave it to the router (1 — the nearest cluster
        /// alone — unless its profile's <c>soft-clusters</c> estimator gives its own <c>topClusters</c>). With p &gt; 1 the p
        /// centroids most similar to the prompt blend their per-model quality and cost, weighted by similarity (Avengers-Pro's
        /// soft clusters, the function <see cref="QualityEstimation.BlendNearestClusters"/> computes), and the policy, knob
        /// and mask apply to the blend; a learned linear estimator keeps its per-prompt quality and blends only the costs.
        /// The out-of-distribution test is the nearest cluster's, as with p = 1.
        /// </summary>
        public int TopClusters => (int)(_policyAndTopClusters >> 32);

        // The policy (low 32 bits) and p (high 32) share one word, so the options stay three eight-byte fields as before p
        // existed: the JIT copies them into every decision in registers; as four fields (32 bytes) each copy went through
        // a stack temporary (docs/benchmarks.md, the cluster-only route regression).
        private readonly ulong _policyAndTopClusters;

        /// <summary>A copy with another allowed-models mask.</summary>
        public RoutingOptions WithAllowedModels(ModelMask allowedModels) =>
            TopClusters == 0 ? new(Policy, Knob, allowedModels) : new(Policy, Knob, allowedModels, TopClusters);

        /// <summary>A copy that blends the <paramref name="topClusters"/> nearest clusters (see <see cref="TopClusters"/>).</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="topClusters"/> is below 1 or above <see cref="MaxTopClusters"/>.</exception>
        public RoutingOptions WithTopClusters(int topClusters) => new(Policy, Knob, AllowedModels, topClusters);

        /// <inheritdoc />
        public bool Equals(RoutingOptions other) =>
            Policy == other.Policy && Knob.Equals(other.Knob) && AllowedModels == other.AllowedModels && TopClusters == other.TopClusters;

        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is RoutingOptions other && Equals(other);

        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(Policy, Knob, AllowedModels, TopClusters);

        /// <summary>Equality.</summary>
        public static bool operator ==(RoutingOptions left, RoutingOptions right) => left.Equals(right);

        /// <summary>Inequality.</summary>
        public static bool operator !=(RoutingOptions left, RoutingOptions right) => !left.Equals(right);

        /// <inheritdoc />
        public override string ToString() =>
            (Policy == RoutingPolicy.CostWeighted ? $"cost-weighted({Knob:R})" : $"shortfall({Knob:R})") + (TopClusters == 0 ? "" : $", top {TopClusters} clusters");

        private static int CheckTopClusters(int topClusters) =>
            topClusters is >= 1 and <= MaxTopClusters
                ? topClusters
                : throw new ArgumentOutOfRangeException(nameof(topClusters), topClusters, $"The number of nearest clusters to blend (top clusters) must be 1 to {MaxTopClusters}; 1 is the nearest cluster alone.");
    }
}
