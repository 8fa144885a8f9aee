using System;
using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Accumulates (predicted quality, actual score) pairs of held-out prompts per estimator and model into equal-width
    /// bins. One tally per fold (folds run in parallel), merged in fold order so the sums are deterministic.
    /// </summary>
    public sealed class CalibrationTally
    {
        /// <summary>Equal-width bins over [0, 1].</summary>
        public const int BinCount = 10;

        private readonly Dictionary<string, double[]> _sums = new(StringComparer.Ordinal);
        private readonly List<string> _order = new();
        private readonly int _models;

        /// <summary>Creates an empty tally for <paramref name="models"/> models.</summary>
        public CalibrationTally(int models) => _models = models;

        /// <summary>Adds one held-out prediction.</summary>
        public void Add(string estimator, int model, double predicted, double actual)
        {
            if (!_sums.TryGetValue(estimator, out double[]? sums))
            {
                // Per model and bin: count, predicted sum, observed sum.
                sums = new double[_models * BinCount * 3];
                _sums.Add(estimator, sums);
                _order.Add(estimator);
            }

            int bin = Math.Clamp((int)(predicted * BinCount), 0, BinCount - 1);
            int at = ((model * BinCount) + bin) * 3;
            sums[at]++;
            sums[at + 1] += predicted;
            sums[at + 2] += actual;
        }

        /// <summary>Adds another tally's pairs.</summary>
        public void Merge(CalibrationTally other)
        {
            ArgumentNullException.ThrowIfNull(other);
            foreach (string estimator in other._order)
            {
                double[] source = other._sums[estimator];
                if (!_sums.TryGetValue(estimator, out double[]? target))
                {
                    target = new double[source.Length];
                    _sums.Add(estimator, target);
                    _order.Add(estimator);
                }

                for (int i = 0; i < source.Length; i++)
                {
                    target[i] += source[i];
                }
            }
        }

        /// <summary>The reliability table and ECE of every estimator and model, in the order estimators were first added.</summary>
        public IReadOnlyList<ModelCalibration> Summarise(IReadOnlyList<string> modelIds)
        {
            ArgumentNullException.ThrowIfNull(modelIds);
            var result = new List<ModelCalibration>();
            foreach (string estimator in _order)
            {
                double[] sums = _sums[estimator];
                for (int m = 0; m < _models; m++)
                {
                    var bins = new List<ReliabilityBin>();
                    double total = 0, error = 0;
                    for (int b = 0; b < BinCount; b++)
                    {
                        total += sums[((m * BinCount) + b) * 3];
                    }

                    for (int b = 0; b < BinCount; b++)
                    {
                        int at = ((m * BinCount) + b) * 3;
                        double count = sums[at];
                        if (count == 0)
                        {
                            continue;
                        }

                        double predicted = sums[at + 1] / count, observed = sums[at + 2] / count;
                        error += count / total * Math.Abs(predicted - observed);
                        bins.Add(new ReliabilityBin((double)b / BinCount, (double)(b + 1) / BinCount, (int)count, predicted, observed));
                    }

                    result.Add(new ModelCalibration(estimator, modelIds[m], total > 0 ? error : double.NaN, bins));
                }
            }

            return result;
        }
    }
}
