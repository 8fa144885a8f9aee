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

        /// <summary>
        /// Calibrated expected quality of every model for one embedding, computed as the routers compute it
        /// (<see cref="QualityEstimation.HeadDots"/>, the same bias and Platt expression, <see cref="QualityEstimation.Logistic"/>),
        /// so a profile carrying this estimator predicts bit for bit the same.
        /// </summary>
        public void Predict(ReadOnlySpan<float> embedding, Span<double> quality)
        {
            Span<double> logits = quality[..ModelCount];
            QualityEstimation.HeadDots(Weights, embedding, logits);
            for (int m = 0; m < ModelCount; m++)
            {
                logits[m] = (PlattScale[m] * (logits[m] + Bias[m])) + PlattOffset[m];
            }

            QualityEstimation.Logistic(logits);
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
