using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using RouterGen.Routing;

namespace RouterGen.Fitting
{
    /// <summary>
    /// A learned per-prompt cost estimate: per model, ridge regression of the log cost on the embedding, in the leading
    /// principal directions of the fit prompts (rank and strength by inner-fold squared error of the log cost), then
    /// Duan's smearing factor (the mean of the exponentiated out-of-fold residuals) so that exp(prediction) estimates the
    /// mean cost rather than its geometric mean. Why log: where costs are list price × tokens (llmrouter-9) every model's
    /// log cost is its log price plus one shared log length, so one linear function of the embedding serves them all; and
    /// a log-scale error is a relative error, the same for a short and a long prompt. A cluster carries only its mean cost,
    /// which overprices its short prompts and underprices its long ones: the cost-weighted knob then trades quality for
    /// the wrong amount of money.
    /// </summary>
    public sealed class LinearCostEstimator
    {
        internal LinearCostEstimator(float[] weights, double[] bias, double[] smearing, double[] strength, int models, int dimension, int rank)
        {
            Weights = weights;
            Bias = bias;
            Smearing = smearing;
            Strength = strength;
            ModelCount = models;
            Dimension = dimension;
            Rank = rank;
        }

        /// <summary>Row-major model × dimension weights of the log cost on the raw embedding.</summary>
        public float[] Weights { get; }

        /// <summary>Per-model bias of the log cost.</summary>
        public double[] Bias { get; }

        /// <summary>Per-model smearing factor: estimated cost = exp(weights · x + bias) × smearing.</summary>
        public double[] Smearing { get; }

        /// <summary>The ridge strength chosen per model.</summary>
        public double[] Strength { get; }

        /// <summary>Number of models.</summary>
        public int ModelCount { get; }

        /// <summary>Embedding dimension.</summary>
        public int Dimension { get; }

        /// <summary>Principal directions the heads were fit in.</summary>
        public int Rank { get; }

        /// <summary>Ridge strengths tried per model (relative to the mean scatter of a principal coordinate), strongest first.</summary>
        public static IReadOnlyList<double> Strengths { get; } = new[] { 10.0, 1.0, 0.1, 0.01, 0.001 };

        /// <summary>Estimated cost in USD of every model for one embedding.</summary>
        public void Predict(ReadOnlySpan<float> embedding, Span<double> cost)
        {
            Span<double> log = cost[..ModelCount];
            QualityEstimation.HeadDots(Weights, embedding, log);
            for (int m = 0; m < ModelCount; m++)
            {
                log[m] = Math.Exp(log[m] + Bias[m]) * Smearing[m];
            }
        }

        /// <summary>
        /// Fits on <paramref name="rows"/> with <paramref name="folds"/> contiguous inner folds over the given order (as
        /// <see cref="LinearQualityEstimator.Fit"/>). Returns the estimator fit on every row, and in
        /// <paramref name="outOfFold"/> (position × model) each row's cost estimate from the inner fit that did not see it.
        /// </summary>
        public static LinearCostEstimator Fit(RoutingDataset dataset, EmbeddingMatrix embeddings, int[] rows, int folds, LinearEstimatorOptions options, ulong seed, out double[] outOfFold)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            ArgumentNullException.ThrowIfNull(embeddings);
            ArgumentNullException.ThrowIfNull(rows);
            ArgumentNullException.ThrowIfNull(options);
            int n = rows.Length, models = dataset.ModelCount, d = embeddings.Dimension;
            var candidates = new List<int>();
            int smallest = int.MaxValue;
            foreach (int candidate in options.Ranks)
            {
                smallest = Math.Min(smallest, candidate);
            }

            int largest = 1;
            foreach (int candidate in options.Ranks)
            {
                if (candidate == smallest || (long)candidate * options.MinPromptsPerDirection <= n)
                {
                    candidates.Add(candidate);
                    largest = Math.Max(largest, candidate);
                }
            }

            PrincipalSubspace subspace = PrincipalSubspace.Fit(embeddings, rows, largest, seed ^ 0xC057);
            int full = subspace.Rank;
            var z = new double[n * full];
            var y = new double[n * models];
            var floor = new double[models];
            var scratch = new double[d];
            for (int m = 0; m < models; m++)
            {
                // log(0) is not a number: a model that costs nothing on some prompts is floored a millionth below its mean.
                double sum = 0;
                foreach (int row in rows)
                {
                    sum += dataset.CostUsd(row, m);
                }

                floor[m] = Math.Max(1e-12, 1e-6 * sum / Math.Max(1, n));
            }

            for (int i = 0; i < n; i++)
            {
                subspace.Project(embeddings.Row(rows[i]), z.AsSpan(i * full, full), scratch);
                for (int m = 0; m < models; m++)
                {
                    y[(i * models) + m] = Math.Log(Math.Max(dataset.CostUsd(rows[i], m), floor[m]));
                }
            }

            double meanScatter = 0;
            for (int j = 0; j < full; j++)
            {
                meanScatter += subspace.Scatter[j] / Math.Max(1, n);
            }

            meanScatter = Math.Max(meanScatter / Math.Max(1, full), 1e-12);
            folds = Math.Clamp(folds, 2, Math.Max(2, n));

            // Out-of-fold log-cost predictions for every (rank, strength), then per model the lowest squared error; the rank
            // is shared by the models (the one with the lowest total), ties to the smaller rank and the stronger ridge.
            int bestRank = 0;
            double bestTotal = double.PositiveInfinity;
            int[] bestStrength = Array.Empty<int>();
            double[][] bestOof = Array.Empty<double[]>();
            foreach (int candidate in candidates)
            {
                int r = Math.Clamp(candidate, 1, full);
                if (r == bestRank)
                {
                    continue;
                }

                var oof = new double[Strengths.Count][];
                for (int s = 0; s < oof.Length; s++)
                {
                    oof[s] = new double[n * models];
                }

                for (int f = 0; f < folds; f++)
                {
                    var train = new List<int>();
                    var test = new List<int>();
                    for (int i = 0; i < n; i++)
                    {
                        ((long)i * folds / n == f ? test : train).Add(i);
                    }

                    var system = new RidgeSystem(z, full, r, y, models, train);
                    for (int s = 0; s < Strengths.Count; s++)
                    {
                        system.Solve(Strengths[s] * meanScatter * train.Count, out double[] w, out double[] b);
                        foreach (int i in test)
                        {
                            for (int m = 0; m < models; m++)
                            {
                                oof[s][(i * models) + m] = TensorPrimitives.Dot(w.AsSpan(m * r, r), z.AsSpan(i * full, r)) + b[m];
                            }
                        }
                    }
                }

                double total = 0;
                var strengthPerModel = new int[models];
                for (int m = 0; m < models; m++)
                {
                    double bestLoss = double.PositiveInfinity;
                    for (int s = 0; s < oof.Length; s++)
                    {
                        double loss = 0;
                        for (int i = 0; i < n; i++)
                        {
                            double e = oof[s][(i * models) + m] - y[(i * models) + m];
                            loss += e * e;
                        }

                        if (s == 0 || loss < bestLoss - (1e-12 * bestLoss))
                        {
                            bestLoss = loss;
                            strengthPerModel[m] = s;
                        }
                    }

                    total += bestLoss;
                }

                if (bestRank == 0 || total < bestTotal - (1e-9 * bestTotal))
                {
                    bestRank = r;
                    bestTotal = total;
                    bestStrength = strengthPerModel;
                    bestOof = oof;
                }
            }

            // Smearing from the chosen strength's out-of-fold residuals; the out-of-fold costs carry it too.
            var smearing = new double[models];
            var chosen = new double[models];
            outOfFold = new double[n * models];
            for (int m = 0; m < models; m++)
            {
                chosen[m] = Strengths[bestStrength[m]];
                double[] oof = bestOof[bestStrength[m]];
                double sum = 0;
                for (int i = 0; i < n; i++)
                {
                    sum += Math.Exp(y[(i * models) + m] - oof[(i * models) + m]);
                }

                smearing[m] = sum / Math.Max(1, n);
                for (int i = 0; i < n; i++)
                {
                    outOfFold[(i * models) + m] = Math.Exp(oof[(i * models) + m]) * smearing[m];
                }
            }

            // The deployed heads: every row, each model at its chosen strength (one solve per distinct strength).
            var all = new List<int>(n);
            for (int i = 0; i < n; i++)
            {
                all.Add(i);
            }

            var weights = new double[models * bestRank];
            var bias = new double[models];
            var solved = new Dictionary<int, (double[] W, double[] B)>();
            var whole = new RidgeSystem(z, full, bestRank, y, models, all);
            for (int m = 0; m < models; m++)
            {
                int s = bestStrength[m];
                if (!solved.TryGetValue(s, out (double[] W, double[] B) solution))
                {
                    whole.Solve(Strengths[s] * meanScatter * n, out double[] w, out double[] b);
                    solution = (w, b);
                    solved.Add(s, solution);
                }

                Array.Copy(solution.W, m * bestRank, weights, m * bestRank, bestRank);
                bias[m] = solution.B[m];
            }

            // Back to the raw embedding: log cost = w·V(x − μ) + b = (Vᵀw)·x + (b − (Vᵀw)·μ).
            var raw = new float[models * d];
            var rawBias = new double[models];
            var u = new double[d];
            for (int m = 0; m < models; m++)
            {
                Array.Clear(u);
                for (int j = 0; j < bestRank; j++)
                {
                    TensorPrimitives.MultiplyAdd(subspace.Basis.AsSpan(j * d, d), weights[(m * bestRank) + j], u, u);
                }

                rawBias[m] = bias[m] - TensorPrimitives.Dot(u, subspace.Mean);
                for (int j = 0; j < d; j++)
                {
                    raw[(m * d) + j] = (float)u[j];
                }
            }

            return new LinearCostEstimator(raw, rawBias, smearing, chosen, models, d, bestRank);
        }

        // Ridge with an unpenalised intercept on the first r of each row's coordinates (stride full), every model at once:
        // (ZcᵀZc + λI) w = Zcᵀ(y − ȳ), Zc the coordinates centred on the training rows' mean; b = ȳ − w·z̄. The normal
        // equations are built once and solved for every strength.
        private sealed class RidgeSystem
        {
            private readonly double[] _gram;
            private readonly double[] _rhs;
            private readonly double[] _zMean;
            private readonly double[] _yMean;
            private readonly int _r;
            private readonly int _models;

            public RidgeSystem(double[] z, int full, int r, double[] y, int models, List<int> train)
            {
                _r = r;
                _models = models;
                _zMean = new double[r];
                _yMean = new double[models];
                foreach (int i in train)
                {
                    TensorPrimitives.Add(_zMean, z.AsSpan(i * full, r), _zMean);
                    TensorPrimitives.Add(_yMean, y.AsSpan(i * models, models), _yMean);
                }

                TensorPrimitives.Divide(_zMean, Math.Max(1, train.Count), _zMean);
                TensorPrimitives.Divide(_yMean, Math.Max(1, train.Count), _yMean);
                _gram = new double[r * r];
                _rhs = new double[r * models];
                var centred = new double[r];
                foreach (int i in train)
                {
                    TensorPrimitives.Subtract(z.AsSpan(i * full, r), _zMean, centred);
                    for (int a = 0; a < r; a++)
                    {
                        if (centred[a] != 0)
                        {
                            Span<double> target = _gram.AsSpan(a * r, r);
                            TensorPrimitives.MultiplyAdd(centred, centred[a], target, target);
                        }
                    }

                    for (int m = 0; m < models; m++)
                    {
                        double t = y[(i * models) + m] - _yMean[m];
                        for (int a = 0; a < r; a++)
                        {
                            _rhs[(a * models) + m] += centred[a] * t;
                        }
                    }
                }
            }

            public void Solve(double lambda, out double[] weights, out double[] bias)
            {
                int r = _r, models = _models;
                var a = (double[])_gram.Clone();
                var x = (double[])_rhs.Clone();
                for (int j = 0; j < r; j++)
                {
                    a[(j * r) + j] += lambda;
                }

                CholeskySolve(a, r, x, models);
                weights = new double[models * r];
                bias = new double[models];
                for (int m = 0; m < models; m++)
                {
                    for (int j = 0; j < r; j++)
                    {
                        weights[(m * r) + j] = x[(j * models) + m];
                    }

                    bias[m] = _yMean[m] - TensorPrimitives.Dot(weights.AsSpan(m * r, r), _zMean);
                }
            }
        }

        // Solves A X = B in place (A symmetric positive definite, r × r, overwritten by its factor; B r × columns, row-major).
        private static void CholeskySolve(double[] a, int r, double[] b, int columns)
        {
            for (int j = 0; j < r; j++)
            {
                double diagonal = a[(j * r) + j];
                for (int k = 0; k < j; k++)
                {
                    diagonal -= a[(j * r) + k] * a[(j * r) + k];
                }

                diagonal = Math.Sqrt(Math.Max(diagonal, 1e-300));
                a[(j * r) + j] = diagonal;
                for (int i = j + 1; i < r; i++)
                {
                    double sum = a[(i * r) + j];
                    for (int k = 0; k < j; k++)
                    {
                        sum -= a[(i * r) + k] * a[(j * r) + k];
                    }

                    a[(i * r) + j] = sum / diagonal;
                }
            }

            for (int c = 0; c < columns; c++)
            {
                // L u = b, then Lᵀ x = u.
                for (int i = 0; i < r; i++)
                {
                    double sum = b[(i * columns) + c];
                    for (int k = 0; k < i; k++)
                    {
                        sum -= a[(i * r) + k] * b[(k * columns) + c];
                    }

                    b[(i * columns) + c] = sum / a[(i * r) + i];
                }

                for (int i = r - 1; i >= 0; i--)
                {
                    double sum = b[(i * columns) + c];
                    for (int k = i + 1; k < r; k++)
                    {
                        sum -= a[(k * r) + i] * b[(k * columns) + c];
                    }

                    b[(i * columns) + c] = sum / a[(i * r) + i];
                }
            }
        }
    }
}
