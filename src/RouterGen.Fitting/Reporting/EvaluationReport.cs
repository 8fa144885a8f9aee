using System;
using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>Everything held-out evaluation found.</summary>
    public sealed class EvaluationReport
    {
        /// <summary>Data set name.</summary>
        public string Dataset { get; init; } = "";

        /// <summary>Cross-validation or a fixed split.</summary>
        public EvaluationMode Mode { get; init; }

        /// <summary>Folds (1 for a split).</summary>
        public int Folds { get; init; }

        /// <summary>Repetitions averaged.</summary>
        public int Seeds { get; init; }

        /// <summary>Base seed.</summary>
        public ulong Seed { get; init; }

        /// <summary>Number of evaluation prompts.</summary>
        public int PromptCount { get; init; }

        /// <summary>Prompts the routers were fit on, per fit (for a split, the size of the fit split).</summary>
        public int FitPromptCount { get; init; }

        /// <summary>Model ids, in data order.</summary>
        public IReadOnlyList<string> ModelIds { get; init; } = Array.Empty<string>();

        /// <summary>Embedder identity used.</summary>
        public string EmbedderIdentity { get; init; } = "";

        /// <summary>Cluster count of every fit (chosen per fit when automatic).</summary>
        public IReadOnlyList<int> ClusterCounts { get; init; } = Array.Empty<int>();

        /// <summary>Prior strength α of every fit.</summary>
        public IReadOnlyList<double> PriorStrengths { get; init; } = Array.Empty<double>();

        /// <summary>The estimator kind every fit chose by inner-fold AIQ (the source of the selected families).</summary>
        public IReadOnlyList<string> EstimatorChoices { get; init; } = Array.Empty<string>();

        /// <summary>The blend size p each fit chose for soft clusters by inner-fold AIQ (0 where soft clusters were not scored), in fit order.</summary>
        public IReadOnlyList<int> SoftClusterSizes { get; init; } = Array.Empty<int>();

        /// <summary>The low-confidence threshold each fit's chosen estimator routed with (0: off), in fit order.</summary>
        public IReadOnlyList<double> LowConfidenceMargins { get; init; } = Array.Empty<double>();

        /// <summary>Share of held-out prompts the deployable router sent to the global statistics by its low-confidence fallback.</summary>
        public double LowConfidenceShare { get; init; }

        /// <summary>Expected calibration error and reliability table of each estimator's predicted quality, per model.</summary>
        public IReadOnlyList<ModelCalibration> Calibration { get; init; } = Array.Empty<ModelCalibration>();

        /// <summary>Every policy point.</summary>
        public IReadOnlyList<PointResult> Points { get; init; } = Array.Empty<PointResult>();

        /// <summary>Every single model.</summary>
        public IReadOnlyList<SingleModelResult> Singles { get; init; } = Array.Empty<SingleModelResult>();

        /// <summary>The single model with the best quality on the evaluation prompts (ties to the cheaper).</summary>
        public SingleModelResult BestSingle { get; init; } = new("", 0, 0, false);

        /// <summary>Per-prompt oracle: a best-scoring model for every prompt, the cheapest among ties.</summary>
        public SingleModelResult Oracle { get; init; } = new("oracle", 0, 0, false);

        /// <summary>HyDRA's three regimes over the deployable policies (<see cref="PolicyFamilies.Deployable"/>: what a fit ships).</summary>
        public IReadOnlyList<RegimeResult> Regimes { get; init; } = Array.Empty<RegimeResult>();

        /// <summary>The deployable router frontier against every single model.</summary>
        public IReadOnlyList<SingleModelComparison> Comparisons { get; init; } = Array.Empty<SingleModelComparison>();

        /// <summary>
        /// True when, at the cost of every single model, some deployable router point costs no more and is at least as good:
        /// the router frontier is nowhere below the single-model frontier.
        /// </summary>
        public bool FrontierNowhereBelowSingles { get; init; }

        /// <summary>Every policy family's AIQ and cost to reach the best single model, plus the pooled deployable router.</summary>
        public IReadOnlyList<FamilyFrontier> Families { get; init; } = Array.Empty<FamilyFrontier>();

        /// <summary>AIQ of the single models' non-decreasing convex hull on the common cost range, with interval.</summary>
        public Interval SingleModelHullAiq { get; init; } = new(double.NaN, double.NaN, double.NaN, 0, 0);

        /// <summary>Lower end of the common AIQ cost range: the cheapest single model or router point.</summary>
        public double AiqCostMinUsd { get; init; }

        /// <summary>Upper end of the common AIQ cost range: the most expensive single model or router point.</summary>
        public double AiqCostMaxUsd { get; init; }

        /// <summary>The family summary by name, or null.</summary>
        public FamilyFrontier? Family(string family)
        {
            foreach (FamilyFrontier f in Families)
            {
                if (f.Family == family)
                {
                    return f;
                }
            }

            return null;
        }

        /// <summary>Wall-clock seconds the evaluation took.</summary>
        public double ElapsedSeconds { get; init; }

        /// <summary>The point result of a family at a knob, or null.</summary>
        public PointResult? Find(string family, double knob)
        {
            foreach (PointResult p in Points)
            {
                if (p.Point.Family == family && p.Point.Knob == knob)
                {
                    return p;
                }
            }

            return null;
        }
    }
}
