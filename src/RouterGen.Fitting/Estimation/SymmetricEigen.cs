using System;

namespace RouterGen.Fitting
{
    /// <summary>Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations.</summary>
    public static class SymmetricEigen
    {
        /// <summary>
        /// Eigenvalues in decreasing order and the matching eigenvectors as columns of the row-major n × n
        /// <paramref name="vectors"/> (column r is the eigenvector of value r). The input is not modified.
        /// </summary>
        public static void Decompose(double[] matrix, int n, out double[] values, out double[] vectors)
        {
            ArgumentNullException.ThrowIfNull(matrix);
            var a = (double[])matrix.Clone();
            var v = new double[n * n];
            for (int i = 0; i < n; i++)
            {
                v[(i * n) + i] = 1;
            }

            for (int sweep = 0; sweep < 60; sweep++)
            {
                double off = 0, total = 0;
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        double x = a[(i * n) + j] * a[(i * n) + j];
                        total += x;
                        off += i != j ? x : 0;
                    }
                }

                if (off <= 1e-30 * Math.Max(total, 1e-300))
                {
                    break;
                }

                for (int p = 0; p < n - 1; p++)
                {
                    for (int r = p + 1; r < n; r++)
                    {
                        double apr = a[(p * n) + r];
                        if (apr == 0)
                        {
                            continue;
                        }

                        // The rotation that zeroes a[p, r] (Golub & Van Loan, symmetric Schur decomposition).
                        double theta = (a[(r * n) + r] - a[(p * n) + p]) / (2 * apr);
                        double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                        double c = 1 / Math.Sqrt((t * t) + 1), s = t * c;
                        for (int k = 0; k < n; k++)
                        {
                            double akp = a[(k * n) + p], akr = a[(k * n) + r];
                            a[(k * n) + p] = (c * akp) - (s * akr);
                            a[(k * n) + r] = (s * akp) + (c * akr);
                        }

                        for (int k = 0; k < n; k++)
                        {
                            double apk = a[(p * n) + k], ark = a[(r * n) + k];
                            a[(p * n) + k] = (c * apk) - (s * ark);
                            a[(r * n) + k] = (s * apk) + (c * ark);
                        }

                        for (int k = 0; k < n; k++)
                        {
                            double vkp = v[(k * n) + p], vkr = v[(k * n) + r];
                            v[(k * n) + p] = (c * vkp) - (s * vkr);
                            v[(k * n) + r] = (s * vkp) + (c * vkr);
                        }
                    }
                }
            }

            var order = new int[n];
            var diagonal = new double[n];
            for (int i = 0; i < n; i++)
            {
                order[i] = i;
                diagonal[i] = a[(i * n) + i];
            }

            Array.Sort(order, (x, y) => diagonal[x] != diagonal[y] ? diagonal[y].CompareTo(diagonal[x]) : x.CompareTo(y));
            values = new double[n];
            vectors = new double[n * n];
            for (int r = 0; r < n; r++)
            {
                values[r] = diagonal[order[r]];
                for (int k = 0; k < n; k++)
                {
                    vectors[(k * n) + r] = v[(k * n) + order[r]];
                }
            }
        }
    }
}
