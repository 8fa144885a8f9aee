using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace RouterGen.Fitting
{
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
        /// <remarks>
        /// A caller that fits the same features several times (once per strength) passes their <see cref="Bound"/>: it costs
        /// n·(r + 1)² to compute and is the same every time; null computes it here.
        /// </remarks>
        /// <returns>The number of iterations run.</returns>
        public static int Fit(double[] z, int n, int r, double[] y, int models, double[] strength, double[] weights, double[] bias, int maxIterations, double tolerance, double[]? bound = null)
        {
            ArgumentNullException.ThrowIfNull(z);
            ArgumentNullException.ThrowIfNull(y);
            ArgumentNullException.ThrowIfNull(strength);
            ArgumentNullException.ThrowIfNull(weights);
            ArgumentNullException.ThrowIfNull(bias);
            int p = r + 1;
            bound ??= Bound(z, n, r);
            if (bound.Length != p * p)
            {
                throw new ArgumentException($"The bound holds {bound.Length} values; features of rank {r} need {p * p}.", nameof(bound));
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

        /// <summary>
        /// The majorising matrix [Z 1]ᵀ[Z 1] / 4n of n feature rows of width r (row-major (r + 1)²), shared by every model
        /// and strength fit on those rows.
        /// </summary>
        public static double[] Bound(double[] z, int n, int r)
        {
            ArgumentNullException.ThrowIfNull(z);
            int p = r + 1;
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

            return bound;
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
}
