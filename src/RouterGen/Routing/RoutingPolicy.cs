// Shared between the runtime and the source generator (linked source, netstandard2.0): a policy is spelled one way in
// code (the enum) and one way in text (these names), and every conversion between the two goes through this file.
namespace RouterGen.Routing
{
    /// <summary>Which rule picks a model inside a cluster.</summary>
    public enum RoutingPolicy
    {
        /// <summary>
        /// Maximise (1 − w)·quality − w·cost/scale, where the knob w in [0, 1] is the cost weight and scale is the profile's
        /// largest per-request cost. w = 0 is maximum quality; w = 1 is the cheapest model.
        /// </summary>
        CostWeighted = 0,

        /// <summary>
        /// HyDRA's shortfall matching: the cheapest model whose expected quality is within τ (the knob, in quality units:
        /// 0.03 = 3 points) of the best expected quality in the cluster.
        /// </summary>
        Shortfall = 1,
    }

    /// <summary>The text names of <see cref="RoutingPolicy"/> values, as profiles, reports and the CLI write them.</summary>
    public static class RoutingPolicyNames
    {
        /// <summary>The name of <see cref="RoutingPolicy.CostWeighted"/>.</summary>
        public const string CostWeighted = "cost-weighted";

        /// <summary>The name of <see cref="RoutingPolicy.Shortfall"/>.</summary>
        public const string Shortfall = "shortfall";

        /// <summary>The names a profile may use, for error messages: "cost-weighted" or "shortfall".</summary>
        public const string Expected = "\"" + CostWeighted + "\" or \"" + Shortfall + "\"";

        /// <summary>The name of <paramref name="policy"/>.</summary>
        public static string Format(RoutingPolicy policy) => policy == RoutingPolicy.Shortfall ? Shortfall : CostWeighted;

        /// <summary>Parses a policy name (ordinal, exactly as <see cref="Format"/> writes it).</summary>
        public static bool TryParse(string? name, out RoutingPolicy policy)
        {
            switch (name)
            {
                case CostWeighted:
                    policy = RoutingPolicy.CostWeighted;
                    return true;
                case Shortfall:
                    policy = RoutingPolicy.Shortfall;
                    return true;
                default:
                    policy = RoutingPolicy.CostWeighted;
                    return false;
            }
        }
    }
}
