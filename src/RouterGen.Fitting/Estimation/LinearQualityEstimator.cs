using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using RouterGen.Profiles;
using RouterGen.Routing;

namespace RouterGen.Fitting
{
    /// <summary>
    /// The learned per-prompt quality estimator: per model, an L2-regularised logistic regression on the embedding
    /// (fractional scores are soft labels), strength chosen by inner cross-validation on the fit prompts, then Platt-scaled
    /// on the inner folds' out-of-fold predictions. It is linear in the embedding (weights · x + bias, then two
    /// calibration numbers per model), so a generated router can carry it as data. Cost per model is not learned here: it
    /// comes from the prompt's cluster.
    /// </summary>
    public sealed class LinearQualityEstimator
    {
        // Per model (bias, Platt scale, Platt offset), the layout QualityEstimation.Calibrate reads, as the loaded router does.
        private readonly double[] _platt;
        private readonly double[]?[]? _isotonicLogits;
        private readonly double[]?[]? _isotonicQualities;

        internal LinearQualityEstimator(float[] weights, double[] bias, double[] plattScale, double[] plattOffset, double[] strength, int models, int dimension, double[]?[]? isotonicLogits = null, double[]?[]? isotonicQualities = null)
        {
            Weights = weights;
            Bias = bias;
            PlattScale = plattScale;
            PlattOffset = plattOffset;
            Strength = strength;
            ModelCount = models;
            Dimension = dimension;
            (_isotonicLogits, _isotonicQualities) = (isotonicLogits, isotonicQualities);
            _platt = new double[3 * models];
            for (int m = 0; m < models; m++)
            {
                (_platt[3 * m], _platt[(3 * m) + 1], _platt[(3 * m) + 2]) = (bias[m], plattScale[m], plattOffset[m]);
            }
        }

        /// <summary>Row-major model × dimension weights on the raw embedding.</summary>
        public float[] Weights { get; }

        /// <summary>Per-model bias of the raw logit.</summary>
        public double[] Bias { get; }

        /// <summary>Platt scale a: calibrated quality = σ(a · logit + b).</summary>
        public double[] PlattScale { get; }

        /// <summary>Platt offset b.</summary>
        public double[] PlattOffset { get; }

        /// <summary>Per model, the isotonic table's raw logits where that model is isotonic-calibrated (null entries are Platt; null when none is).</summary>
        public IReadOnlyList<double[]?>? IsotonicLogits => _isotonicLogits;

        /// <summary>Per model, the isotonic table's qualities (parallel to <see cref="IsotonicLogits"/>).</summary>
        public IReadOnlyList<double[]?>? IsotonicQualities => _isotonicQualities;

        /// <summary>How many models' heads are isotonic-calibrated.</summary>
        public int IsotonicCount
        {
            get
            {
                int count = 0;
                for (int m = 0; IsotonicLogits is not null && m < ModelCount; m++)
                {
                    count += IsotonicLogits[m] is null ? 0 : 1;
                }

                return count;
            }
        }

        /// <summary>The L2 strength chosen per model.</summary>
        public double[] Strength { get; }

        /// <summary>Number of models.</summary>
        public int ModelCount { get; }

        /// <summary>Principal directions the heads were fit in: the candidate of <see cref="LinearEstimatorOptions.Ranks"/> with the lowest inner-fold cross-entropy.</summary>
        public int Rank { get; init; }

        /// <summary>True when the heads were fit on unit-variance principal coordinates (<see cref="LinearEstimatorOptions.TryUnitVariance"/>).</summary>
        public bool UnitVariance { get; init; }

        /// <summary>Embedding dimension.</summary>
        public int Dimension { get; }

        /// <summary>
        /// Calibrated expected quality of every model for one embedding, computed as the routers compute it
        /// (<see cref="QualityEstimation.HeadDots"/>, the same bias and Platt expression, <see cref="QualityEstimation.Logistic"/>),
        /// so a profile carrying this estimator predicts bit for bit the same.
        /// </summary>
        public void Predict(ReadOnlySpan<float> embedding, Span<double> quality)
        {
            Span<double> logits = quality[..ModelCount];
            QualityEstimation.HeadDots(Weights, embedding, logits);
            QualityEstimation.Calibrate(logits, _platt, _isotonicLogits, _isotonicQualities);
        }

        /// <summary>The estimator as profile format version 2 carries it (one head per model, in model order).</summary>
        public EstimatorDefinition ToDefinition()
        {
            var definition = new EstimatorDefinition { Kind = EstimatorDefinition.LinearKind };
            for (int m = 0; m < ModelCount; m++)
            {
                definition.Heads.Add(new LinearHeadDefinition
                {
                    Weights = Weights.AsSpan(m * Dimension, Dimension).ToArray(),
                    Bias = Bias[m],
                    PlattScale = PlattScale[m],
                    PlattOffset = PlattOffset[m],
                    IsotonicLogits = _isotonicLogits?[m],
                    IsotonicQualities = _isotonicQualities?[m],
                });
            }

            return definition;
        }

        /// <summary>
        /// Fits on <paramref name="rows"/> with <paramref name="folds"/> inner folds over the given order (the caller's
        /// shuffle; fold f holds the contiguous f-th share, as in <see cref="ClusterCountSelection"/>). Returns the estimator
        /// fit on every row, and in <paramref name="outOfFold"/> (row-major position × model) each row's calibrated
        /// prediction from the inner fit that did not see it.
        /// </summary>
        public static LinearQualityEstimator Fit(RoutingDataset dataset, EmbeddingMatrix embeddings, int[] rows, int folds, LinearEstimatorOptions options, ulong seed, out double[] outOfFold)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(embeddings);
            ArgumentNullException.ThrowIfNull(rows);
            ArgumentNullException.ThrowIfNull(options);
            int n = rows.Length, models = dataset.ModelCount, d = embeddings.Dimension;
            if (options.Ranks.Count == 0)
            {
                throw new ArgumentException("The learned estimator needs at least one rank candidate.", nameof(options));
            }

            // The candidates this many prompts support (the smallest always), and one subspace at the largest of them: its
            // leading r directions are the rank-r subspace (they are ordered by scatter), so every candidate reads the
            // first r coordinates of the same projection.
            int smallest = int.MaxValue;
            foreach (int candidate in options.Ranks)
            {
                smallest = Math.Min(smallest, candidate);
            }

            var candidates = new List<int>();
            foreach (int candidate in options.Ranks)
            {
                if (candidate == smallest || (long)candidate * options.MinPromptsPerDirection <= n)
                {
                    candidates.Add(candidate);
                }
            }

            int largest = 1;
            foreach (int candidate in candidates)
            {
                largest = Math.Max(largest, candidate);
            }

            PrincipalSubspace subspace = PrincipalSubspace.Fit(embeddings, rows, largest, seed);
            int full = subspace.Rank;
            var projected = new double[n * full];
            var y = new double[n * models];
            var scratch = new double[d];
            for (int i = 0; i < n; i++)
            {
                subspace.Project(embeddings.Row(rows[i]), projected.AsSpan(i * full, full), scratch);
                dataset.ScoresOf(rows[i]).CopyTo(y.AsSpan(i * models, models));
            }

            // The rank with the lowest out-of-fold cross-entropy (each model at its own best strength), ties to the smaller.
            folds = Math.Clamp(folds, 2, Math.Max(2, n));
            IReadOnlyList<double> strengths = options.Strengths;
            int r = 0;
            double[] z = Array.Empty<double>();
            double[][] oofLogit = Array.Empty<double[]>();
            int[] best = Array.Empty<int>();
            double bestTotal = double.PositiveInfinity;
            var tried = new HashSet<int>();
            // Unit-variance coordinates: an embedding whose prompts all point nearly the same way (a CLS-pooled model's,
            // say) has tiny centred coordinates, which one L2 strength grid over-regularises; scaled, the same grid means
            // the same for every embedder. Which coordinates fit better is the inner folds' call, like the rank.
            var spread = new double[full];
            for (int j = 0; j < full; j++)
            {
                double sd = Math.Sqrt(subspace.Scatter[j] / Math.Max(1, n));
                spread[j] = sd > 1e-12 ? sd : 1;
            }

            bool unitVariance = false;
            foreach (int candidate in candidates)
            {
                int rank = Math.Clamp(candidate, 1, full);
                if (!tried.Add(rank))
                {
                    continue;
                }

                foreach (bool scaled in options.TryUnitVariance ? new[] { false, true } : new[] { false })
                {
                    double[] leading = Leading(projected, n, full, rank, scaled ? spread : null);
                    double[][] logits = OutOfFoldLogits(leading, n, rank, y, models, strengths, folds, options);
                    int[] strengthPerModel = BestStrengths(logits, y, n, models, out double total);
                    if (r == 0 || total < bestTotal - (1e-9 * Math.Abs(bestTotal)))
                    {
                        bestTotal = total;
                        r = rank;
                        unitVariance = scaled;
                        z = leading;
                        oofLogit = logits;
                        best = strengthPerModel;
                    }
                }
            }

            // Per model: Platt scaling on the logits of its chosen strength.
            var chosen = new double[models];
            var scale = new double[models];
            var offset = new double[models];
            outOfFold = new double[n * models];
            var modelLogits = new double[n];
            var labels = new double[n];
            double[]?[]? isotonicLogits = null, isotonicQualities = null;
            for (int m = 0; m < models; m++)
            {
                chosen[m] = strengths[best[m]];
                for (int i = 0; i < n; i++)
                {
                    modelLogits[i] = oofLogit[best[m]][(i * models) + m];
                    labels[i] = y[(i * models) + m];
                }

                PlattScaling.Fit(modelLogits, labels, out scale[m], out offset[m]);
                if (options.Calibration == HeadCalibration.Isotonic
                    || (options.Calibration == HeadCalibration.Auto && IsotonicCalibratesBetter(modelLogits, labels, folds)))
                {
                    isotonicLogits ??= new double[]?[models];
                    isotonicQualities ??= new double[]?[models];
                    (isotonicLogits[m], isotonicQualities[m]) = IsotonicCalibration.Fit(modelLogits, labels);
                    (scale[m], offset[m]) = (1, 0);
                }

                for (int i = 0; i < n; i++)
                {
                    outOfFold[(i * models) + m] = isotonicLogits?[m] is double[] table
                        ? QualityEstimation.Isotonic(table, isotonicQualities![m], modelLogits[i])
                        : Sigmoid((scale[m] * modelLogits[i]) + offset[m]);
                }
            }

            // The deployed heads: every fit row, each model at its chosen strength.
            var finalWeights = new double[models * r];
            var finalBias = new double[models];
            LogisticHeads.Fit(z, n, r, y, models, chosen, finalWeights, finalBias, options.MaxIterations, options.Tolerance);

            // Back to the raw embedding: logit = w·S⁻¹V(x − μ) + b = (VᵀS⁻¹w)·x + (b − (VᵀS⁻¹w)·μ), S the coordinate scale.
            var raw = new float[models * d];
            var rawBias = new double[models];
            var u = new double[d];
            for (int m = 0; m < models; m++)
            {
                Array.Clear(u);
                for (int j = 0; j < r; j++)
                {
                    TensorPrimitives.MultiplyAdd(subspace.Basis.AsSpan(j * d, d), finalWeights[(m * r) + j] / (unitVariance ? spread[j] : 1), u, u);
                }

                rawBias[m] = finalBias[m] - TensorPrimitives.Dot(u, subspace.Mean);
                for (int j = 0; j < d; j++)
                {
                    raw[(m * d) + j] = (float)u[j];
                }
            }

            return new LinearQualityEstimator(raw, rawBias, scale, offset, chosen, models, d, isotonicLogits, isotonicQualities) { Rank = r, UnitVariance = unitVariance };
        }

        // Cross-fitted over the same contiguous inner folds: each calibration is fit on the other folds' out-of-fold logits and
        // scored by cross-entropy on the held-back fold, so the table's extra freedom is not rewarded for fitting its own data.
        private static bool IsotonicCalibratesBetter(double[] logits, double[] labels, int folds)
        {
            int n = logits.Length;
            double platt = 0, isotonic = 0;
            for (int f = 0; f < folds; f++)
            {
                var trainLogits = new List<double>();
                var trainLabels = new List<double>();
                for (int i = 0; i < n; i++)
                {
                    if ((long)i * folds / n != f)
                    {
                        trainLogits.Add(logits[i]);
                        trainLabels.Add(labels[i]);
                    }
                }

                if (trainLogits.Count == 0 || trainLogits.Count == n)
                {
                    continue;
                }

                double[] x = trainLogits.ToArray(), y = trainLabels.ToArray();
                PlattScaling.Fit(x, y, out double a, out double b);
                (double[] tableLogits, double[] tableQualities) = IsotonicCalibration.Fit(x, y);
                for (int i = 0; i < n; i++)
                {
                    if ((long)i * folds / n == f)
                    {
                        platt += ProbabilityCrossEntropy(labels[i], Sigmoid((a * logits[i]) + b));
                        isotonic += ProbabilityCrossEntropy(labels[i], QualityEstimation.Isotonic(tableLogits, tableQualities, logits[i]));
                    }
                }
            }

            return isotonic < platt - (1e-9 * Math.Abs(platt));
        }

        private static double ProbabilityCrossEntropy(double label, double p)
        {
            double q = Math.Clamp(p, 1e-12, 1 - 1e-12);
            return -((label * Math.Log(q)) + ((1 - label) * Math.Log(1 - q)));
        }

        // Out-of-fold raw logits (row-major row × model) for every strength, over contiguous folds of the given order.
        private static double[][] OutOfFoldLogits(double[] z, int n, int r, double[] y, int models, IReadOnlyList<double> strengths, int folds, LinearEstimatorOptions options)
        {
            var oofLogit = new double[strengths.Count][];
            for (int s = 0; s < strengths.Count; s++)
            {
                oofLogit[s] = new double[n * models];
            }

            for (int f = 0; f < folds; f++)
            {
                var train = new List<int>();
                var test = new List<int>();
                for (int i = 0; i < n; i++)
                {
                    ((long)i * folds / n == f ? test : train).Add(i);
                }

                double[] zTrain = Gather(z, train, r), yTrain = Gather(y, train, models);
                var weights = new double[models * r];
                var bias = new double[models];
                double[] bound = LogisticHeads.Bound(zTrain, train.Count, r);
                foreach (int s in StrengthOrder(strengths))
                {
                    var lambda = new double[models];
                    Array.Fill(lambda, strengths[s]);
                    LogisticHeads.Fit(zTrain, train.Count, r, yTrain, models, lambda, weights, bias, options.MaxIterations, options.Tolerance, bound);
                    foreach (int i in test)
                    {
                        for (int m = 0; m < models; m++)
                        {
                            oofLogit[s][(i * models) + m] = TensorPrimitives.Dot(weights.AsSpan(m * r, r), z.AsSpan(i * r, r)) + bias[m];
                        }
                    }
                }
            }

            return oofLogit;
        }

        // Per model, the strength with the lowest out-of-fold cross-entropy; total = the sum of those losses.
        private static int[] BestStrengths(double[][] oofLogit, double[] y, int n, int models, out double total)
        {
            var best = new int[models];
            total = 0;
            for (int m = 0; m < models; m++)
            {
                double bestLoss = double.PositiveInfinity;
                for (int s = 0; s < oofLogit.Length; s++)
                {
                    double loss = 0;
                    for (int i = 0; i < n; i++)
                    {
                        loss += CrossEntropy(y[(i * models) + m], oofLogit[s][(i * models) + m]);
                    }

                    if (loss < bestLoss - 1e-12)
                    {
                        bestLoss = loss;
                        best[m] = s;
                    }
                }

                total += bestLoss;
            }

            return best;
        }

        // The first r of every row's coordinates, each divided by its spread when one is given.
        private static double[] Leading(double[] projected, int n, int full, int r, double[]? spread)
        {
            if (r == full && spread is null)
            {
                return projected;
            }

            var result = new double[n * r];
            for (int i = 0; i < n; i++)
            {
                Span<double> row = result.AsSpan(i * r, r);
                projected.AsSpan(i * full, r).CopyTo(row);
                if (spread is not null)
                {
                    TensorPrimitives.Divide(row, spread.AsSpan(0, r), row);
                }
            }

            return result;
        }

        internal static double Sigmoid(double t) => QualityEstimation.Sigmoid(t);

        /// <summary>Cross-entropy of a soft label against σ(logit), computed stably.</summary>
        internal static double CrossEntropy(double label, double logit) =>
            // −[y log σ(t) + (1 − y) log(1 − σ(t))] = softplus(t) − y·t
            Softplus(logit) - (label * logit);

        private static double Softplus(double t) => t > 0 ? t + Math.Log(1 + Math.Exp(-t)) : Math.Log(1 + Math.Exp(t));

        private static IEnumerable<int> StrengthOrder(IReadOnlyList<double> strengths)
        {
            var order = new int[strengths.Count];
            for (int s = 0; s < order.Length; s++)
            {
                order[s] = s;
            }

            Array.Sort(order, (a, b) => strengths[b].CompareTo(strengths[a]));
            return order;
        }

        private static double[] Gather(double[] source, List<int> rows, int width)
        {
            var result = new double[rows.Count * width];
            for (int i = 0; i < rows.Count; i++)
            {
                Array.Copy(source, rows[i] * width, result, i * width, width);
            }

            return result;
        }
    }
}
