using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace RouterGen.Fitting
{
    /// <summary>Settings of the learned per-prompt quality estimator.</summary>
    public sealed class LinearEstimatorOptions
    {
        /// <summary>Principal directions the logistic heads are fit in (see <see cref="PrincipalSubspace"/>).</summary>
        public int Rank { get; set; } = 64;

        /// <summary>L2 strengths λ tried per model by inner cross-validation, strongest first (each fit warm-starts the next).</summary>
        public IReadOnlyList<double> Strengths { get; set; } = new[] { 1.0, 0.1, 0.01, 0.001, 0.0001 };

        /// <summary>Iteration cap of one solve.</summary>
        public int MaxIterations { get; set; } = 100;

        /// <summary>A solve stops when no parameter moves by more than this (relative to 1 + its size).</summary>
        public double Tolerance { get; set; } = 1e-4;
    }

    /// <summary>
    /// The learned per-prompt quality estimator: per model, an L2-regularised logistic regression on the embedding
    /// (fractional scores are soft labels), strength chosen by inner cross-validation on the fit prompts, then Platt-scaled
    /// on the inner folds' out-of-fold predictions. It is linear in the embedding (weights · x + bias, then two
    /// calibration numbers per model), so a generated router can carry it as data. Cost per model is not learned here: it
    /// comes from the prompt's cluster.
    /// </summary>
    public sealed class LinearQualityEstimator
    {
        internal LinearQualityEstimator(float[] weights, double[] bias, double[] plattScale, double[] plattOffset, double[] strength, int models, int dimension)
        {
            Weights = weights;
            Bias = bias;
            PlattScale = plattScale;
            PlattOffset = plattOffset;
            Strength = strength;
            ModelCount = models;
            Dimension = dimension;
        }

        /// <summary>Row-major model × dimension weights on the raw embedding.</summary>
        public float[] Weights { get; }

        /// <summary>Per-model bias of the raw logit.</summary>
        public double[] Bias { get; }

        /// <summary>Platt scale a: calibrated quality = σ(a · logit + b).</summary>
        public double[] PlattScale { get; }

        /// <summary>Platt offset b.</summary>
        public double[] PlattOffset { get; }

        /// <summary>The L2 strength chosen per model.</summary>
        public double[] Strength { get; }

        /// <summary>Number of models.</summary>
        public int ModelCount { get; }

        /// <summary>Embedding dimension.</summary>
        public int Dimension { get; }

        /// <summary>Calibrated expected quality of every model for one embedding.</summary>
        public void Predict(ReadOnlySpan<float> embedding, Span<double> quality)
        {
            for (int m = 0; m < ModelCount; m++)
            {
                double logit = TensorPrimitives.Dot(Weights.AsSpan(m * Dimension, Dimension), embedding) + Bias[m];
                quality[m] = Sigmoid((PlattScale[m] * logit) + PlattOffset[m]);
            }
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
            PrincipalSubspace subspace = PrincipalSubspace.Fit(embeddings, rows, options.Rank, seed);
            int r = subspace.Rank;
            var z = new double[n * r];
            var y = new double[n * models];
            var scratch = new double[d];
            for (int i = 0; i < n; i++)
            {
                subspace.Project(embeddings.Row(rows[i]), z.AsSpan(i * r, r), scratch);
                dataset.ScoresOf(rows[i]).CopyTo(y.AsSpan(i * models, models));
            }

            // Out-of-fold raw logits for every strength.
            IReadOnlyList<double> strengths = options.Strengths;
            var oofLogit = new double[strengths.Count][];
            for (int s = 0; s < strengths.Count; s++)
            {
                oofLogit[s] = new double[n * models];
            }

            folds = Math.Clamp(folds, 2, Math.Max(2, n));
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
                foreach (int s in StrengthOrder(strengths))
                {
                    var lambda = new double[models];
                    Array.Fill(lambda, strengths[s]);
                    LogisticHeads.Fit(zTrain, train.Count, r, yTrain, models, lambda, weights, bias, options.MaxIterations, options.Tolerance);
                    foreach (int i in test)
                    {
                        for (int m = 0; m < models; m++)
                        {
                            oofLogit[s][(i * models) + m] = TensorPrimitives.Dot(weights.AsSpan(m * r, r), z.AsSpan(i * r, r)) + bias[m];
                        }
                    }
                }
            }

            // Per model: the strength with the lowest out-of-fold cross-entropy, then Platt scaling on its logits.
            var chosen = new double[models];
            var scale = new double[models];
            var offset = new double[models];
            outOfFold = new double[n * models];
            var logits = new double[n];
            var labels = new double[n];
            for (int m = 0; m < models; m++)
            {
                int best = 0;
                double bestLoss = double.PositiveInfinity;
                for (int s = 0; s < strengths.Count; s++)
                {
                    double loss = 0;
                    for (int i = 0; i < n; i++)
                    {
                        loss += CrossEntropy(y[(i * models) + m], oofLogit[s][(i * models) + m]);
                    }

                    if (loss < bestLoss - 1e-12)
                    {
                        bestLoss = loss;
                        best = s;
                    }
                }

                chosen[m] = strengths[best];
                for (int i = 0; i < n; i++)
                {
                    logits[i] = oofLogit[best][(i * models) + m];
                    labels[i] = y[(i * models) + m];
                }

                PlattScaling.Fit(logits, labels, out scale[m], out offset[m]);
                for (int i = 0; i < n; i++)
                {
                    outOfFold[(i * models) + m] = Sigmoid((scale[m] * logits[i]) + offset[m]);
                }
            }

            // The deployed heads: every fit row, each model at its chosen strength.
            var finalWeights = new double[models * r];
            var finalBias = new double[models];
            LogisticHeads.Fit(z, n, r, y, models, chosen, finalWeights, finalBias, options.MaxIterations, options.Tolerance);

            // Back to the raw embedding: logit = w·V(x − μ) + b = (Vᵀw)·x + (b − (Vᵀw)·μ).
            var raw = new float[models * d];
            var rawBias = new double[models];
            var u = new double[d];
            for (int m = 0; m < models; m++)
            {
                Array.Clear(u);
                for (int j = 0; j < r; j++)
                {
                    TensorPrimitives.MultiplyAdd(subspace.Basis.AsSpan(j * d, d), finalWeights[(m * r) + j], u, u);
                }

                rawBias[m] = finalBias[m] - TensorPrimitives.Dot(u, subspace.Mean);
                for (int j = 0; j < d; j++)
                {
                    raw[(m * d) + j] = (float)u[j];
                }
            }

            return new LinearQualityEstimator(raw, rawBias, scale, offset, chosen, models, d);
        }

        internal static double Sigmoid(double t) => t >= 0 ? 1 / (1 + Math.Exp(-t)) : Math.Exp(t) / (1 + Math.Exp(t));

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

    /// <summary>
    /// Many L2-regularised logistic regressions on the same features at once, by majorise–minimise (Böhning's bound): the
    /// logistic loss's Hessian is at most XᵀX/4, so θ ← θ − (XᵀX/4n + Λ)⁻¹ ∇ never increases the objective and converges to
    /// its unique minimum. The bound matrix is the same for every model with the same λ, so it is factored once per
    /// strength and each step costs one gradient and one triangular solve per model.
    /// </summary>
    public static class LogisticHeads
    {
        /// <summary>
        /// Minimises, per model m, (1/n) Σᵢ CE(yᵢₘ, σ(zᵢ·wₘ + bₘ)) + (λₘ/2)‖wₘ‖² (the bias unpenalised), starting from (and
        /// writing to) <paramref name="weights"/> (row-major model × r) and <paramref name="bias"/>.
        /// </summary>
        /// <returns>The number of iterations run.</returns>
        public static int Fit(double[] z, int n, int r, double[] y, int models, double[] strength, double[] weights, double[] bias, int maxIterations, double tolerance)
        {
            ArgumentNullException.ThrowIfNull(z);
            ArgumentNullException.ThrowIfNull(y);
            ArgumentNullException.ThrowIfNull(strength);
            ArgumentNullException.ThrowIfNull(weights);
            ArgumentNullException.ThrowIfNull(bias);
            int p = r + 1;

            // Shared bound: [Z 1]ᵀ[Z 1] / 4n.
            var bound = new double[p * p];
            var row = new double[p];
            for (int i = 0; i < n; i++)
            {
                z.AsSpan(i * r, r).CopyTo(row);
                row[r] = 1;
                for (int a = 0; a < p; a++)
                {
                    Span<double> target = bound.AsSpan(a * p, p);
                    TensorPrimitives.MultiplyAdd(row, row[a] / (4.0 * n), target, target);
                }
            }

            var factors = new Dictionary<double, double[]>();
            foreach (double lambda in strength)
            {
                if (!factors.ContainsKey(lambda))
                {
                    var h = (double[])bound.Clone();
                    for (int a = 0; a < r; a++)
                    {
                        h[(a * p) + a] += lambda;
                    }

                    // A whisper of ridge on the bias keeps the factor positive definite for tiny n.
                    h[(r * p) + r] += 1e-10;
                    factors.Add(lambda, Cholesky(h, p));
                }
            }

            var gradient = new double[models * p];
            var step = new double[p];
            int iteration = 0;
            while (iteration < maxIterations)
            {
                iteration++;
                Array.Clear(gradient);
                for (int i = 0; i < n; i++)
                {
                    ReadOnlySpan<double> zi = z.AsSpan(i * r, r);
                    for (int m = 0; m < models; m++)
                    {
                        double residual = (LinearQualityEstimator.Sigmoid(TensorPrimitives.Dot(weights.AsSpan(m * r, r), zi) + bias[m]) - y[(i * models) + m]) / n;
                        Span<double> g = gradient.AsSpan(m * p, r);
                        TensorPrimitives.MultiplyAdd(zi, residual, g, g);
                        gradient[(m * p) + r] += residual;
                    }
                }

                double largest = 0;
                for (int m = 0; m < models; m++)
                {
                    for (int a = 0; a < r; a++)
                    {
                        step[a] = gradient[(m * p) + a] + (strength[m] * weights[(m * r) + a]);
                    }

                    step[r] = gradient[(m * p) + r];
                    Solve(factors[strength[m]], p, step);
                    for (int a = 0; a < r; a++)
                    {
                        double w = weights[(m * r) + a];
                        weights[(m * r) + a] = w - step[a];
                        largest = Math.Max(largest, Math.Abs(step[a]) / (1 + Math.Abs(w)));
                    }

                    largest = Math.Max(largest, Math.Abs(step[r]) / (1 + Math.Abs(bias[m])));
                    bias[m] -= step[r];
                }

                if (largest < tolerance)
                {
                    break;
                }
            }

            return iteration;
        }

        private static double[] Cholesky(double[] h, int p)
        {
            var l = new double[p * p];
            for (int i = 0; i < p; i++)
            {
                for (int j = 0; j <= i; j++)
                {
                    double sum = h[(i * p) + j];
                    for (int k = 0; k < j; k++)
                    {
                        sum -= l[(i * p) + k] * l[(j * p) + k];
                    }

                    l[(i * p) + j] = i == j ? Math.Sqrt(Math.Max(sum, 1e-300)) : sum / l[(j * p) + j];
                }
            }

            return l;
        }

        // Solves (L Lᵀ) x = b in place.
        private static void Solve(double[] l, int p, double[] b)
        {
            for (int i = 0; i < p; i++)
            {
                double sum = b[i];
                for (int k = 0; k < i; k++)
                {
                    sum -= l[(i * p) + k] * b[k];
                }

                b[i] = sum / l[(i * p) + i];
            }

            for (int i = p - 1; i >= 0; i--)
            {
                double sum = b[i];
                for (int k = i + 1; k < p; k++)
                {
                    sum -= l[(k * p) + i] * b[k];
                }

                b[i] = sum / l[(i * p) + i];
            }
        }
    }

    /// <summary>Platt scaling: calibrated p = σ(a·t + b) fit to soft labels by Newton's method on the cross-entropy.</summary>
    public static class PlattScaling
    {
        /// <summary>Fits (a, b) on logits <paramref name="logits"/> and labels in [0, 1]; (1, 0) when the data cannot move it.</summary>
        public static void Fit(double[] logits, double[] labels, out double scale, out double offset)
        {
            ArgumentNullException.ThrowIfNull(logits);
            ArgumentNullException.ThrowIfNull(labels);
            double a = 1, b = 0;
            int n = logits.Length;
            for (int it = 0; it < 50 && n > 0; it++)
            {
                double ga = 0, gb = 0, haa = 1e-9, hab = 0, hbb = 1e-9;
                for (int i = 0; i < n; i++)
                {
                    double p = LinearQualityEstimator.Sigmoid((a * logits[i]) + b);
                    double e = p - labels[i], w = p * (1 - p);
                    ga += e * logits[i];
                    gb += e;
                    haa += w * logits[i] * logits[i];
                    hab += w * logits[i];
                    hbb += w;
                }

                double det = (haa * hbb) - (hab * hab);
                if (!(det > 0))
                {
                    break;
                }

                double da = ((hbb * ga) - (hab * gb)) / det, db = ((haa * gb) - (hab * ga)) / det;

                // Halve the Newton step until the loss does not increase (it can overshoot far from the optimum).
                double before = Loss(logits, labels, a, b);
                double t = 1;
                while (t > 1e-6 && Loss(logits, labels, a - (t * da), b - (t * db)) > before)
                {
                    t /= 2;
                }

                a -= t * da;
                b -= t * db;
                if (Math.Abs(t * da) + Math.Abs(t * db) < 1e-10)
                {
                    break;
                }
            }

            if (!double.IsFinite(a) || !double.IsFinite(b))
            {
                a = 1;
                b = 0;
            }

            scale = a;
            offset = b;
        }

        private static double Loss(double[] logits, double[] labels, double a, double b)
        {
            double loss = 0;
            for (int i = 0; i < logits.Length; i++)
            {
                loss += LinearQualityEstimator.CrossEntropy(labels[i], (a * logits[i]) + b);
            }

            return loss;
        }
    }
}
