using System;

namespace RouterGen.Routing
{
    /// <summary>
    /// What a decision made on a per-prompt estimate keeps for its explanation, beside the chosen model's own estimate: the
    /// runner-up under the request's policy with its estimate, the best estimated quality among the allowed models (the
    /// shortfall rule's reference), and, when the request blended its nearest clusters, the first
    /// <see cref="ExplainedClusters"/> of them with their weights. A low-confidence fallback keeps the estimate's two best
    /// allowed models by quality instead (<see cref="Leader"/> and <see cref="RunnerUp"/>), whose gap is the margin it
    /// compared with the profile's threshold. Six eight-byte words, which <see cref="RouteDecision"/> stores as its own fields
    /// (<see cref="Choice"/>, <see cref="Clusters"/>, <see cref="Weights"/> and the three estimates), so a decision stays a
    /// value that allocates nothing.
    /// </summary>
    internal readonly struct EstimateDetail
    {
        /// <summary>How many blended clusters a decision names (the rest are summed into one weight).</summary>
        public const int ExplainedClusters = 4;

        public EstimateDetail(bool learnedHeads, int runnerUp, double runnerUpQuality, double runnerUpCostUsd, double bestQuality, ReadOnlySpan<int> blended, ReadOnlySpan<double> weights, int leader = -1)
        {
            Choice = (ushort)(short)runnerUp | ((ulong)(ushort)(short)leader << 16) | ((ulong)(byte)blended.Length << 32) | (learnedHeads ? LearnedHeadsBit : 0);
            RunnerUpQuality = runnerUpQuality;
            RunnerUpCostUsd = runnerUpCostUsd;
            BestQuality = bestQuality;
            ulong clusters = 0, packedWeights = 0;
            for (int i = 0; i < Math.Min(blended.Length, ExplainedClusters); i++)
            {
                // A profile has at most 4,096 clusters: 16 bits each; a weight in [0, 1] keeps three digits as a Half.
                clusters |= (ulong)(ushort)blended[i] << (16 * i);
                packedWeights |= (ulong)BitConverter.HalfToUInt16Bits((Half)weights[i]) << (16 * i);
            }

            Clusters = clusters;
            Weights = packedWeights;
        }

        /// <summary>A detail from the words a <see cref="RouteDecision"/> stored.</summary>
        public EstimateDetail(double runnerUpQuality, double runnerUpCostUsd, double bestQuality, ulong choice, ulong clusters, ulong weights) =>
            (RunnerUpQuality, RunnerUpCostUsd, BestQuality, Choice, Clusters, Weights) = (runnerUpQuality, runnerUpCostUsd, bestQuality, choice, clusters, weights);

        /// <summary>True when learned heads predicted the quality (false: a soft-cluster blend of statistics).</summary>
        public bool LearnedHeads => (Choice & LearnedHeadsBit) != 0;

        /// <summary>
        /// The allowed model with the best estimated quality when a low-confidence fallback applied (its quality is
        /// <see cref="BestQuality"/>, the runner-up by quality is <see cref="RunnerUp"/>); -1 otherwise.
        /// </summary>
        public int Leader => (short)(ushort)(Choice >> 16);

        /// <summary>The model the policy would choose next (the chosen one excluded), or -1 when no other model is allowed.</summary>
        public int RunnerUp => (short)(ushort)Choice;

        /// <summary>The runner-up's estimated quality.</summary>
        public double RunnerUpQuality { get; }

        /// <summary>The runner-up's estimated cost in USD.</summary>
        public double RunnerUpCostUsd { get; }

        /// <summary>The best estimated quality among the allowed models.</summary>
        public double BestQuality { get; }

        /// <summary>How many nearest clusters were blended (0: the nearest cluster's costs, no blend).</summary>
        public int BlendedCount => (byte)(Choice >> 32);

        /// <summary>Bits 0-15: the runner-up, 16-31: the leader (both two's complement, -1 for none); 32-39: the blended count; bit 40: learned heads.</summary>
        public ulong Choice { get; }

        /// <summary>The first <see cref="ExplainedClusters"/> blended clusters, 16 bits each.</summary>
        public ulong Clusters { get; }

        /// <summary>Their weights as half-precision bits, 16 bits each.</summary>
        public ulong Weights { get; }

        /// <summary>The <paramref name="i"/>-th blended cluster, most similar first (i &lt; <see cref="ExplainedClusters"/>).</summary>
        public int BlendedCluster(int i) => (ushort)(Clusters >> (16 * i));

        /// <summary>Its weight, to about three digits.</summary>
        public double BlendedWeight(int i) => (double)BitConverter.UInt16BitsToHalf((ushort)(Weights >> (16 * i)));

        private const ulong LearnedHeadsBit = 1UL << 40;
    }
}
