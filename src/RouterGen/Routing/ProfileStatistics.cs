// Shared between the runtime and the source generator (linked source, netstandard2.0).
using System.Collections.Generic;
using RouterGen.Profiles;

namespace RouterGen.Routing
{
    /// <summary>Whole-profile statistics derived the same way at build time and at run time.</summary>
    public static class ProfileStatistics
    {
        /// <summary>
        /// Each model's sample-weighted mean quality over all clusters (plain mean when no cluster has samples): what a
        /// fallback decision expects of a model.
        /// </summary>
        public static double[] GlobalQuality(ProfileDefinition profile)
        {
            int models = profile.Models.Count;
            var result = new double[models];
            double totalWeight = 0;
            foreach (ClusterDefinition cluster in profile.Clusters)
            {
                totalWeight += cluster.SampleCount;
            }

            bool weighted = totalWeight > 0;
            double denominator = weighted ? totalWeight : profile.Clusters.Count;
            for (int m = 0; m < models; m++)
            {
                double sum = 0;
                foreach (ClusterDefinition cluster in profile.Clusters)
                {
                    sum += (weighted ? cluster.SampleCount : 1) * cluster.Quality[m];
                }

                result[m] = denominator > 0 ? sum / denominator : 0;
            }

            return result;
        }

        /// <summary>The largest per-request cost anywhere in the profile (1 when all are 0).</summary>
        public static double CostScale(ProfileDefinition profile)
        {
            var costs = new List<double>();
            foreach (ModelDefinition model in profile.Models)
            {
                costs.Add(model.CostPerRequestUsd);
            }

            foreach (ClusterDefinition cluster in profile.Clusters)
            {
                costs.AddRange(cluster.CostUsd);
            }

            return RoutingMath.CostScale(costs);
        }
    }
}
