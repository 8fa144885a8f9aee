using System;

namespace RouterGen.Fitting
{
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
