using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using System.Threading.Tasks;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Spherical k-means (cosine similarity on L2-normalised embeddings) with k-means++ seeding and restarts. Deterministic
    /// for a given seed: the random draws come from <see cref="SeededRandom"/>, parallel work only computes independent
    /// per-point values, and every sum runs in point order.
    /// </summary>
    public static class KMeans
    {
        // Below this many multiply-adds per assignment pass, threads cost more than they save.
        private const long ParallelThreshold = 2_000_000;

        /// <summary>Clusters the rows <paramref name="rows"/> of <paramref name="embeddings"/> into at most <paramref name="k"/> clusters.</summary>
        /// <remarks>Clusters are ordered by size (largest first), ties by their first member, so that ids are stable and readable.</remarks>
        public static KMeansResult Fit(EmbeddingMatrix embeddings, IReadOnlyList<int> rows, int k, KMeansOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(embeddings);
            ArgumentNullException.ThrowIfNull(rows);
            options ??= new KMeansOptions();
            if (rows.Count == 0)
            {
                throw new ArgumentException("k-means needs at least one point.", nameof(rows));
            }

            k = Math.Clamp(k, 1, rows.Count);
            int d = embeddings.Dimension;
            IReadOnlyList<int> sample = Sample(rows, options.MaxSamplePoints, options.Seed);
            var points = new float[sample.Count * d];
            for (int i = 0; i < sample.Count; i++)
            {
                embeddings.Row(sample[i]).CopyTo(points.AsSpan(i * d, d));
            }

            int restarts = Math.Max(1, options.Restarts);
            var results = new KMeansResult[restarts];
            Parallel.For(0, restarts, r => results[r] = RunOnce(points, sample.Count, d, k, options.MaxIterations, options.ConvergedFraction, new SeededRandom(options.Seed, (ulong)r + 1)));
            KMeansResult best = results[0];
            for (int r = 1; r < restarts; r++)
            {
                if (results[r].Inertia < best.Inertia)
                {
                    best = results[r];
                }
            }

            if (!ReferenceEquals(sample, rows))
            {
                best = AssignAll(embeddings, rows, best.Centroids, best.K);
            }

            return Reorder(best, d);
        }

        // A seeded sample of the rows, in row order (so that sums stay in a fixed order); the rows themselves when small.
        private static IReadOnlyList<int> Sample(IReadOnlyList<int> rows, int maxPoints, ulong seed)
        {
            if (maxPoints <= 0 || rows.Count <= maxPoints)
            {
                return rows;
            }

            var positions = new int[rows.Count];
            for (int i = 0; i < positions.Length; i++)
            {
                positions[i] = i;
            }

            new SeededRandom(seed, 0x5A4D).Shuffle(positions);
            Array.Sort(positions, 0, maxPoints);
            var sample = new int[maxPoints];
            for (int i = 0; i < maxPoints; i++)
            {
                sample[i] = rows[positions[i]];
            }

            return sample;
        }

        private static KMeansResult AssignAll(EmbeddingMatrix embeddings, IReadOnlyList<int> rows, float[] centroids, int k)
        {
            int d = embeddings.Dimension;
            var assignment = new int[rows.Count];
            var similarity = new float[rows.Count];
            Parallel.For(0, rows.Count, i =>
            {
                int bestCluster = Nearest(embeddings.Row(rows[i]), centroids, k, d, out float bestDot);
                assignment[i] = bestCluster;
                similarity[i] = bestDot;
            });
            var sizes = new int[k];
            double inertia = 0;
            for (int i = 0; i < rows.Count; i++)
            {
                sizes[assignment[i]]++;
                inertia += 1 - similarity[i];
            }

            return new KMeansResult(centroids, assignment, sizes, similarity, inertia);
        }

        private static KMeansResult RunOnce(float[] points, int n, int d, int k, int maxIterations, double convergedFraction, SeededRandom random)
        {
            float[] centroids = SeedPlusPlus(points, n, d, k, random);
            var assignment = new int[n];
            var similarity = new float[n];
            Array.Fill(assignment, -1);
            var sums = new double[k * d];
            var sizes = new int[k];
            for (int iteration = 0; iteration < Math.Max(1, maxIterations); iteration++)
            {
                int changed = Assign(points, n, d, centroids, k, assignment, similarity);
                if (iteration > 0 && changed <= convergedFraction * n)
                {
                    break;
                }

                Update(points, n, d, k, assignment, similarity, centroids, sums, sizes);
            }

            Assign(points, n, d, centroids, k, assignment, similarity);
            Array.Clear(sizes);
            double inertia = 0;
            for (int i = 0; i < n; i++)
            {
                sizes[assignment[i]]++;
                inertia += 1 - similarity[i];
            }

            return new KMeansResult(centroids, assignment, sizes, similarity, inertia);
        }

        // k-means++: each next seed is drawn with probability proportional to its squared distance to the nearest seed
        // (for unit vectors, 2 − 2·cos).
        private static float[] SeedPlusPlus(float[] points, int n, int d, int k, SeededRandom random)
        {
            var centroids = new float[k * d];
            var nearest = new double[n];
            int first = random.Next(n);
            points.AsSpan(first * d, d).CopyTo(centroids);
            for (int i = 0; i < n; i++)
            {
                nearest[i] = Distance(points, i, d, centroids, 0);
            }

            for (int c = 1; c < k; c++)
            {
                double total = 0;
                for (int i = 0; i < n; i++)
                {
                    total += nearest[i];
                }

                int chosen;
                if (!(total > 0))
                {
                    // Every point coincides with a seed: any point will do; duplicates are handled as empty clusters later.
                    chosen = random.Next(n);
                }
                else
                {
                    double target = random.NextDouble() * total;
                    chosen = n - 1;
                    double running = 0;
                    for (int i = 0; i < n; i++)
                    {
                        running += nearest[i];
                        if (running > target)
                        {
                            chosen = i;
                            break;
                        }
                    }
                }

                points.AsSpan(chosen * d, d).CopyTo(centroids.AsSpan(c * d, d));
                for (int i = 0; i < n; i++)
                {
                    nearest[i] = Math.Min(nearest[i], Distance(points, i, d, centroids, c));
                }
            }

            return centroids;
        }

        private static double Distance(float[] points, int i, int d, float[] centroids, int c) =>
            Math.Max(0, 2 - (2 * (double)TensorPrimitives.Dot(points.AsSpan(i * d, d), centroids.AsSpan(c * d, d))));

        // Highest dot product (cosine, for unit vectors) over the k centroids; ties and all-NaN rows go to the lowest index.
        private static int Nearest(ReadOnlySpan<float> point, float[] centroids, int k, int d, out float bestDot)
        {
            int best = 0;
            bestDot = float.NegativeInfinity;
            for (int c = 0; c < k; c++)
            {
                float dot = TensorPrimitives.Dot(point, centroids.AsSpan(c * d, d));
                if (dot > bestDot)
                {
                    bestDot = dot;
                    best = c;
                }
            }

            return best;
        }

        private static int Assign(float[] points, int n, int d, float[] centroids, int k, int[] assignment, float[] similarity)
        {
            var moved = new bool[n];
            void AssignOne(int i)
            {
                int best = Nearest(points.AsSpan(i * d, d), centroids, k, d, out float bestDot);
                similarity[i] = bestDot;
                if (assignment[i] != best)
                {
                    assignment[i] = best;
                    moved[i] = true;
                }
            }

            if ((long)n * k * d >= ParallelThreshold)
            {
                Parallel.For(0, n, AssignOne);
            }
            else
            {
                for (int i = 0; i < n; i++)
                {
                    AssignOne(i);
                }
            }

            int changed = 0;
            foreach (bool m in moved)
            {
                changed += m ? 1 : 0;
            }

            return changed;
        }

        private static void Update(float[] points, int n, int d, int k, int[] assignment, float[] similarity, float[] centroids, double[] sums, int[] sizes)
        {
            Array.Clear(sums);
            Array.Clear(sizes);
            for (int i = 0; i < n; i++)
            {
                int c = assignment[i];
                sizes[c]++;
                ReadOnlySpan<float> point = points.AsSpan(i * d, d);
                Span<double> sum = sums.AsSpan(c * d, d);
                for (int j = 0; j < d; j++)
                {
                    sum[j] += point[j];
                }
            }

            var taken = new bool[n];
            for (int c = 0; c < k; c++)
            {
                if (sizes[c] == 0)
                {
                    // An empty cluster restarts at the point worst served by its centroid, so k stays k.
                    int worst = -1;
                    for (int i = 0; i < n; i++)
                    {
                        if (!taken[i] && (worst < 0 || similarity[i] < similarity[worst]))
                        {
                            worst = i;
                        }
                    }

                    taken[worst] = true;
                    similarity[worst] = 1;
                    points.AsSpan(worst * d, d).CopyTo(centroids.AsSpan(c * d, d));
                    continue;
                }

                double norm = 0;
                Span<double> sum = sums.AsSpan(c * d, d);
                foreach (double x in sum)
                {
                    norm += x * x;
                }

                double inverse = norm > 0 ? 1 / Math.Sqrt(norm) : 0;
                Span<float> centroid = centroids.AsSpan(c * d, d);
                for (int j = 0; j < d; j++)
                {
                    centroid[j] = (float)(sum[j] * inverse);
                }
            }
        }

        private static KMeansResult Reorder(KMeansResult result, int d)
        {
            int k = result.K;
            var firstMember = new int[k];
            Array.Fill(firstMember, int.MaxValue);
            for (int i = result.Assignment.Length - 1; i >= 0; i--)
            {
                firstMember[result.Assignment[i]] = i;
            }

            var order = new int[k];
            for (int c = 0; c < k; c++)
            {
                order[c] = c;
            }

            Array.Sort(order, (a, b) => result.Sizes[a] != result.Sizes[b] ? result.Sizes[b].CompareTo(result.Sizes[a]) : firstMember[a].CompareTo(firstMember[b]));
            var rank = new int[k];
            var centroids = new float[k * d];
            var sizes = new int[k];
            for (int r = 0; r < k; r++)
            {
                rank[order[r]] = r;
                result.Centroids.AsSpan(order[r] * d, d).CopyTo(centroids.AsSpan(r * d, d));
                sizes[r] = result.Sizes[order[r]];
            }

            var assignment = new int[result.Assignment.Length];
            for (int i = 0; i < assignment.Length; i++)
            {
                assignment[i] = rank[result.Assignment[i]];
            }

            return new KMeansResult(centroids, assignment, sizes, result.Similarity, result.Inertia);
        }
    }
}
