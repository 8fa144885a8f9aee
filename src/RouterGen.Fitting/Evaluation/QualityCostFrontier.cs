using System;
using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>
    /// RouterBench's AIQ (average improvement in quality): the area under the non-decreasing convex hull of a router's
    /// (total cost, quality) points over its knob range, divided by the cost range. The hull is what a deployer can
    /// actually buy: any point between two operating points is reachable by mixing them per request, and paying more
    /// never has to mean getting less. One number per policy family, so fits and families are compared over the whole
    /// knob range rather than at one end of it (max quality alone cannot see a router that is as good and cheaper).
    /// </summary>
    public static class QualityCostFrontier
    {
        /// <summary>
        /// The non-decreasing upper convex hull of the points: sorted by cost, only points that raise quality, and only the
        /// vertices of the upper concave envelope of those. Empty when there are no finite points.
        /// </summary>
        public static FrontierVertex[] Hull(IReadOnlyList<double> costUsd, IReadOnlyList<double> quality)
        {
            ArgumentNullException.ThrowIfNull(costUsd);
            ArgumentNullException.ThrowIfNull(quality);
            if (costUsd.Count != quality.Count)
            {
                throw new ArgumentException($"{costUsd.Count} costs but {quality.Count} qualities.", nameof(quality));
            }

            var points = new List<FrontierVertex>(costUsd.Count);
            for (int i = 0; i < costUsd.Count; i++)
            {
                if (double.IsFinite(costUsd[i]) && double.IsFinite(quality[i]))
                {
                    points.Add(new FrontierVertex(costUsd[i], quality[i]));
                }
            }

            // Cheapest first; at equal cost the better point first, so the worse one is dropped as not raising quality.
            points.Sort((a, b) => a.CostUsd != b.CostUsd ? a.CostUsd.CompareTo(b.CostUsd) : b.Quality.CompareTo(a.Quality));
            var hull = new List<FrontierVertex>();
            foreach (FrontierVertex p in points)
            {
                if (hull.Count > 0 && p.Quality <= hull[^1].Quality)
                {
                    continue;
                }

                // Monotone chain, upper side: drop the last vertex while it lies on or below the chord to the new point.
                while (hull.Count >= 2 && Cross(hull[^2], hull[^1], p) >= 0)
                {
                    hull.RemoveAt(hull.Count - 1);
                }

                hull.Add(p);
            }

            return hull.ToArray();
        }

        /// <summary>
        /// AIQ over [<paramref name="costMin"/>, <paramref name="costMax"/>]: the hull is linear between its vertices, flat
        /// after its most expensive vertex (more money buys at least that quality), and 0 below its cheapest vertex (no
        /// operating point costs that little). Several curves compared on the same range are comparable; NaN when the
        /// range is empty or there are no points.
        /// </summary>
        public static double Aiq(IReadOnlyList<double> costUsd, IReadOnlyList<double> quality, double costMin, double costMax) =>
            Aiq(Hull(costUsd, quality), costMin, costMax);

        /// <summary>AIQ of an already computed hull (see <see cref="Aiq(IReadOnlyList{double}, IReadOnlyList{double}, double, double)"/>).</summary>
        public static double Aiq(FrontierVertex[] hull, double costMin, double costMax)
        {
            ArgumentNullException.ThrowIfNull(hull);
            if (hull.Length == 0 || !(costMax > costMin))
            {
                return double.NaN;
            }

            double area = 0;
            for (int i = 0; i < hull.Length; i++)
            {
                double from = hull[i].CostUsd;
                double to = i + 1 < hull.Length ? hull[i + 1].CostUsd : costMax;
                double qFrom = hull[i].Quality;
                double qTo = i + 1 < hull.Length ? hull[i + 1].Quality : qFrom;

                // Clip the segment [from, to] to the range, interpolating quality at the clipped ends.
                double a = Math.Max(from, costMin), b = Math.Min(to, costMax);
                if (b <= a)
                {
                    continue;
                }

                double qa = Interpolate(from, qFrom, to, qTo, a), qb = Interpolate(from, qFrom, to, qTo, b);
                area += (b - a) * (qa + qb) / 2;
            }

            return area / (costMax - costMin);
        }

        private static double Interpolate(double x0, double y0, double x1, double y1, double x) =>
            x1 == x0 ? y0 : y0 + ((y1 - y0) * (x - x0) / (x1 - x0));

        // >= 0 when b lies on or below the chord from a to c (walking by cost): b is then not a hull vertex.
        private static double Cross(FrontierVertex a, FrontierVertex b, FrontierVertex c) =>
            ((b.CostUsd - a.CostUsd) * (c.Quality - a.Quality)) - ((b.Quality - a.Quality) * (c.CostUsd - a.CostUsd));
    }
}
