// Shared between the runtime and the source generator (linked source, netstandard2.0). The generator turns the
// breakpoints computed here into if-chains; the runtime-loaded router walks the very same breakpoints. Because both
// come from this one file, a generated router and a loaded router of the same profile decide identically.
using System;
using System.Collections.Generic;

namespace RouterGen.Routing
{
    /// <summary>
    /// Where the winning model of one cluster changes as a knob moves: for knob &lt; <see cref="UpperBounds"/>[i] the
    /// winner is <see cref="Models"/>[i]; past the last bound it is the last model. Models has one more entry than UpperBounds.
    /// </summary>
    public sealed class KnobBreakpoints
    {
        /// <summary>Creates a breakpoint table.</summary>
        public KnobBreakpoints(double[] upperBounds, int[] models)
        {
            if (models.Length != upperBounds.Length + 1)
            {
                throw new ArgumentException("models must have exactly one more entry than upperBounds.", nameof(models));
            }

            UpperBounds = upperBounds;
            Models = models;
        }

        /// <summary>Ascending knob values at which the winner changes.</summary>
        public double[] UpperBounds { get; }

        /// <summary>The winning model index in each interval.</summary>
        public int[] Models { get; }

        /// <summary>The winner at knob value <paramref name="knob"/>.</summary>
        public int ModelAt(double knob) => Models[IntervalAt(knob)];

        /// <summary>The index of the interval (into <see cref="Models"/>) that holds <paramref name="knob"/>, as the router's own walk finds it.</summary>
        public int IntervalAt(double knob)
        {
            double[] bounds = UpperBounds;
            for (int i = 0; i < bounds.Length; i++)
            {
                if (knob < bounds[i])
                {
                    return i;
                }
            }

            return bounds.Length;
        }
    }

    /// <summary>
    /// The two routing policies, written once. Quality is a success rate in [0, 1]; cost is USD per request, divided by
    /// the profile's cost scale (its largest per-request cost) so that the cost weight is a unitless number in [0, 1].
    /// </summary>
    public static class RoutingMath
    {
        /// <summary>Utility of a model under the cost-weighted policy: (1 − w)·quality − w·cost/scale.</summary>
        public static double CostWeightedUtility(double quality, double costUsd, double costScale, double costWeight) =>
            ((1 - costWeight) * quality) - (costWeight * (costUsd / costScale));

        /// <summary>
        /// The allowed model with the highest cost-weighted utility; ties go to the cheaper model, then the higher quality, then the lower index.
        /// Returns -1 when no model in [start, start + count) is allowed.
        /// </summary>
        public static int ChooseCostWeighted(ReadOnlySpan<double> quality, ReadOnlySpan<double> costUsd, int start, int count, double costScale, double costWeight, ulong allowedModels)
        {
            int best = -1;
            double bestUtility = double.NegativeInfinity;
            for (int m = 0; m < count; m++)
            {
                if ((allowedModels & (1UL << m)) == 0)
                {
                    continue;
                }

                double u = CostWeightedUtility(quality[start + m], costUsd[start + m], costScale, costWeight);
                // Ties go to the cheaper model, then the better one: the winners just above w = 0 and just below w = 1,
                // so the knob's end points agree with the breakpoint tables.
                if (best < 0 || u > bestUtility ||
                    (u == bestUtility && (costUsd[start + m] < costUsd[start + best] ||
                                          (costUsd[start + m] == costUsd[start + best] && quality[start + m] > quality[start + best]))))
                {
                    best = m;
                    bestUtility = u;
                }
            }

            return best;
        }

        /// <summary>
        /// HyDRA's shortfall rule: among allowed models whose quality is within <paramref name="shortfall"/> of the best
        /// allowed quality, the cheapest; ties go to the higher quality, then the lower index. Returns -1 when none is allowed.
        /// </summary>
        public static int ChooseShortfall(ReadOnlySpan<double> quality, ReadOnlySpan<double> costUsd, int start, int count, double shortfall, ulong allowedModels)
        {
            double bestQuality = double.NegativeInfinity;
            for (int m = 0; m < count; m++)
            {
                if ((allowedModels & (1UL << m)) != 0 && quality[start + m] > bestQuality)
                {
                    bestQuality = quality[start + m];
                }
            }

            int chosen = -1;
            for (int m = 0; m < count; m++)
            {
                if ((allowedModels & (1UL << m)) == 0 || shortfall < bestQuality - quality[start + m])
                {
                    continue;
                }

                if (chosen < 0 ||
                    costUsd[start + m] < costUsd[start + chosen] ||
                    (costUsd[start + m] == costUsd[start + chosen] && quality[start + m] > quality[start + chosen]))
                {
                    chosen = m;
                }
            }

            return chosen;
        }

        /// <summary>Mask with the low <paramref name="modelCount"/> bits set: every model allowed.</summary>
        public static ulong AllModels(int modelCount) => modelCount >= 64 ? ulong.MaxValue : (1UL << modelCount) - 1;

        /// <summary>
        /// The upper envelope of the cost-weighted utility lines of one cluster over the cost weight: each model's
        /// utility is linear in the weight, so the winner is piecewise constant and changes only where two lines cross.
        /// </summary>
        public static KnobBreakpoints CostWeightedBreakpoints(double[] quality, double[] costUsd, int start, int count, double costScale)
        {
            ulong all = AllModels(count);
            var candidates = new List<double>();
            for (int a = 0; a < count; a++)
            {
                double slopeA = -quality[start + a] - (costUsd[start + a] / costScale);
                for (int b = a + 1; b < count; b++)
                {
                    double slopeB = -quality[start + b] - (costUsd[start + b] / costScale);
                    if (slopeA == slopeB)
                    {
                        continue;
                    }

                    double w = (quality[start + b] - quality[start + a]) / (slopeA - slopeB);
                    if (w > 0 && w < 1)
                    {
                        candidates.Add(w);
                    }
                }
            }

            candidates.Add(0);
            candidates.Add(1);
            candidates.Sort();
            var bounds = new List<double>();
            var models = new List<int>();
            for (int i = 0; i + 1 < candidates.Count; i++)
            {
                double lo = candidates[i];
                double hi = candidates[i + 1];
                if (hi <= lo)
                {
                    continue;
                }

                // The winner is constant strictly inside an interval, so its midpoint decides for all of it.
                int winner = ChooseCostWeighted(quality, costUsd, start, count, costScale, lo + ((hi - lo) / 2), all);
                if (models.Count > 0 && models[models.Count - 1] == winner)
                {
                    continue;
                }

                if (models.Count > 0)
                {
                    bounds.Add(lo);
                }

                models.Add(winner);
            }

            return new KnobBreakpoints(bounds.ToArray(), models.ToArray());
        }

        /// <summary>
        /// The shortfall rule's winners over τ: a model becomes eligible once τ reaches its gap to the cluster's best,
        /// so the winner changes only at those gaps.
        /// </summary>
        public static KnobBreakpoints ShortfallBreakpoints(double[] quality, double[] costUsd, int start, int count)
        {
            ulong all = AllModels(count);
            double best = double.NegativeInfinity;
            for (int m = 0; m < count; m++)
            {
                best = Math.Max(best, quality[start + m]);
            }

            var gaps = new List<double>();
            for (int m = 0; m < count; m++)
            {
                double gap = best - quality[start + m];
                if (!gaps.Contains(gap))
                {
                    gaps.Add(gap);
                }
            }

            gaps.Sort();
            var bounds = new List<double>();
            var models = new List<int>();
            foreach (double gap in gaps)
            {
                int winner = ChooseShortfall(quality, costUsd, start, count, gap, all);
                if (models.Count > 0 && models[models.Count - 1] == winner)
                {
                    continue;
                }

                if (models.Count > 0)
                {
                    bounds.Add(gap);
                }

                models.Add(winner);
            }

            return new KnobBreakpoints(bounds.ToArray(), models.ToArray());
        }

        /// <summary>The largest per-request cost in the profile (1 when every cost is 0), which normalises costs to [0, 1].</summary>
        public static double CostScale(IEnumerable<double> costsUsd)
        {
            double max = 0;
            foreach (double c in costsUsd)
            {
                max = Math.Max(max, c);
            }

            return max > 0 ? max : 1;
        }

        /// <summary>
        /// Unit-length copy of a centroid, computed in double precision in a fixed order so that build time and run time
        /// produce bit-identical floats.
        /// </summary>
        public static float[] Normalize(float[] centroid)
        {
            double sum = 0;
            foreach (float x in centroid)
            {
                sum += (double)x * x;
            }

            double inverse = sum > 0 ? 1 / Math.Sqrt(sum) : 0;
            var result = new float[centroid.Length];
            for (int i = 0; i < centroid.Length; i++)
            {
                result[i] = (float)(centroid[i] * inverse);
            }

            return result;
        }
    }
}
