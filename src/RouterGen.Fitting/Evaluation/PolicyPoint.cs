using System;
using System.Collections.Generic;
using System.Globalization;
using RouterGen.Routing;

namespace RouterGen.Fitting
{
    /// <summary>One policy at one knob value.</summary>
    /// <param name="Family">One of <see cref="PolicyFamilies"/>.</param>
    /// <param name="Knob">The knob value (0 for families without one).</param>
    public sealed record PolicyPoint(string Family, double Knob)
    {
        /// <summary>True for families a deployed router can run (and presets can name).</summary>
        public bool IsRuntimePolicy => RoutingPolicyNames.TryParse(Family, out _);

        /// <summary>The routing options a deployed router runs this point with.</summary>
        /// <exception cref="InvalidOperationException">The point is not a runtime policy (<see cref="IsRuntimePolicy"/>).</exception>
        public RoutingOptions ToRoutingOptions() =>
            RoutingPolicyNames.TryParse(Family, out RoutingPolicy policy)
                ? new RoutingOptions(policy, Knob)
                : throw new InvalidOperationException($"{this} is an evaluation baseline, not a policy a router runs.");

        /// <summary>The point of a runtime policy at a knob value.</summary>
        public static PolicyPoint Of(RoutingPolicy policy, double knob) => new(RoutingPolicyNames.Format(policy), knob);

        /// <summary>True for routing families (not the global-best or random baselines).</summary>
        public bool IsRouter => PolicyFamilies.EstimatorOf(Family) is not null;

        /// <inheritdoc />
        public override string ToString() => IsRouter ? $"{Family}({Knob.ToString("0.#####", CultureInfo.InvariantCulture)})" : Family;

        /// <summary>Every point evaluated under <paramref name="options"/>, in a fixed order.</summary>
        public static PolicyPoint[] All(EvaluationOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            var points = new List<PolicyPoint>();
            foreach (double w in options.CostWeights)
            {
                points.Add(new PolicyPoint(PolicyFamilies.CostWeighted, w));
            }

            foreach (double t in options.Shortfalls)
            {
                points.Add(new PolicyPoint(PolicyFamilies.Shortfall, t));
            }

            void Sweep(string estimator)
            {
                (string costWeighted, string shortfall) = PolicyFamilies.Of(estimator);
                foreach (double w in options.CostWeights)
                {
                    points.Add(new PolicyPoint(costWeighted, w));
                }

                foreach (double t in options.Shortfalls)
                {
                    points.Add(new PolicyPoint(shortfall, t));
                }
            }

            if (options.SoftClusters > 1)
            {
                Sweep(EstimatorKinds.SoftClusters);
            }

            if (options.LearnedEstimator)
            {
                Sweep(EstimatorKinds.Linear);
                Sweep("selected");
            }

            points.Add(new PolicyPoint(PolicyFamilies.GlobalBest, 0));
            points.Add(new PolicyPoint(PolicyFamilies.Random, 0));
            return points.ToArray();
        }
    }
}
