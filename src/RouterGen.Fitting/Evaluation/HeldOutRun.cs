using System;
using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>Per-prompt held-out outcomes of every policy point, averaged over repetitions.</summary>
    /// <param name="Dataset">The data.</param>
    /// <param name="EvalRows">Evaluation prompts (dataset indices); position i of the matrices is EvalRows[i].</param>
    /// <param name="Points">Policy points; row p of the matrices.</param>
    /// <param name="Scores">Row-major point × evaluation prompt score of the chosen model.</param>
    /// <param name="Costs">Row-major point × evaluation prompt cost of the chosen model.</param>
    /// <param name="ClusterCounts">Cluster count of every fit.</param>
    /// <param name="PriorStrengths">Prior strength of every fit.</param>
    /// <param name="Mode">Cross-validation or a fixed split.</param>
    /// <param name="Folds">Folds.</param>
    /// <param name="Seeds">Repetitions.</param>
    /// <param name="FitCount">Prompts per fit.</param>
    /// <param name="EmbedderIdentity">Embedder identity (of the last fold when it learns).</param>
    /// <param name="ElapsedSeconds">Wall-clock time.</param>
    public sealed record HeldOutRun(
        RoutingDataset Dataset,
        int[] EvalRows,
        PolicyPoint[] Points,
        double[] Scores,
        double[] Costs,
        int[] ClusterCounts,
        double[] PriorStrengths,
        EvaluationMode Mode,
        int Folds,
        int Seeds,
        int FitCount,
        string EmbedderIdentity,
        double ElapsedSeconds)
    {
        /// <summary>The estimator kind every fit chose by inner-fold AIQ (nearest-cluster when none was chosen).</summary>
        public IReadOnlyList<string> EstimatorChoices { get; init; } = Array.Empty<string>();

        /// <summary>The blend size p each fit chose for soft clusters by inner-fold AIQ (0 where soft clusters were not scored).</summary>
        public IReadOnlyList<int> SoftClusterSizes { get; init; } = Array.Empty<int>();

        /// <summary>The low-confidence threshold every fit's chosen estimator routed with (0: off).</summary>
        public IReadOnlyList<double> LowConfidenceMargins { get; init; } = Array.Empty<double>();

        /// <summary>
        /// The share of held-out prompts (over every fold and repetition) that the deployable router sent to the global
        /// statistics by its low-confidence fallback.
        /// </summary>
        public double LowConfidenceShare { get; init; }

        /// <summary>Reliability of the nearest-cluster and learned estimators' predicted quality on the held-out prompts.</summary>
        public IReadOnlyList<ModelCalibration> Calibration { get; init; } = Array.Empty<ModelCalibration>();
    }
}
