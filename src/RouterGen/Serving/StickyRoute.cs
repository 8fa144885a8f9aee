using System;
using System.Globalization;
using RouterGen.Routing;

namespace RouterGen.Serving
{
    /// <summary>
    /// What a conversation was routed to, remembered under its stickiness key so later turns stay on the same model: the
    /// model that answered, and the cluster and options it was decided with. <see cref="Format"/> and
    /// <see cref="TryParse"/> give a compact string for a shared cache (HybridCache, Redis), so stickiness holds across
    /// instances.
    /// </summary>
    public readonly record struct StickyRoute(string ModelId, int Cluster, float Similarity, bool IsOutOfDistribution, RoutingOptions Options)
    {
        /// <summary>The route to remember after <paramref name="servedModel"/> answered a request decided by <paramref name="decision"/>.</summary>
        public static StickyRoute From(in RouteDecision decision, int servedModel) =>
            new(decision.Tables.ModelIds[servedModel], decision.ClusterIndex, decision.Similarity, decision.IsFallback, decision.Options);

        /// <summary>A one-line form: model, cluster, similarity, out-of-distribution flag, policy, knob, allowed bits and top clusters.</summary>
        public string Format() => string.Create(
            CultureInfo.InvariantCulture,
            $"v2|{Cluster}|{Similarity:R}|{(IsOutOfDistribution ? 1 : 0)}|{(int)Options.Policy}|{Options.Knob:R}|{Options.AllowedModels.AllowedBits(64):x}|{Options.TopClusters}|{ModelId}");

        /// <summary>
        /// Reads <see cref="Format"/>'s output (and the earlier <c>v1</c> form, which had no top clusters); false for anything
        /// else (an entry written by another version is ignored).
        /// </summary>
        public static bool TryParse(string? text, out StickyRoute route)
        {
            route = default;
            bool v1 = text?.StartsWith("v1|", StringComparison.Ordinal) == true;
            string[] parts = text?.Split('|', v1 ? 8 : 9) ?? [];
            int top = 0;
            if (parts.Length != (v1 ? 8 : 9) || (!v1 && parts[0] != "v2") ||
                !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int cluster) ||
                !float.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out float similarity) ||
                !int.TryParse(parts[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out int policy) || policy is < 0 or > 1 ||
                !double.TryParse(parts[5], NumberStyles.Float, CultureInfo.InvariantCulture, out double knob) || double.IsNaN(knob) ||
                !ulong.TryParse(parts[6], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong allowed) ||
                (!v1 && (!int.TryParse(parts[7], NumberStyles.Integer, CultureInfo.InvariantCulture, out top) || top is < 0 or > RoutingOptions.MaxTopClusters)))
            {
                return false;
            }

            var options = new RoutingOptions((RoutingPolicy)policy, knob, ModelMask.FromAllowedBits(allowed));
            route = new StickyRoute(parts[^1], cluster, similarity, parts[3] == "1", top == 0 ? options : options.WithTopClusters(top));
            return true;
        }
    }
}
