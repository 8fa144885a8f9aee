using System;
using System.Linq;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Fitting.Tests
{
    /// <summary>Pool-adjacent-violators: the table a profile's isotonic calibration carries.</summary>
    public sealed class IsotonicCalibrationTests
    {
        [Fact]
        public void ViolatorsArePooledIntoTheirMean()
        {
            // Sorted by logit the labels are 0, 1, 0, 1, 1: the middle pair violates and pools to 0.5.
            (double[] logits, double[] qualities) = IsotonicCalibration.Fit([3, -2, 0, -1, 2], [1, 0, 0, 1, 1]);
            double floor = 0.5 / 5;
            Assert.Equal(new double[] { -2, -1, 0, 2, 3 }, logits);
            Assert.Equal(new[] { floor, 0.5, 0.5, 1 - floor, 1 - floor }, qualities);
            Assert.Equal(0.5, QualityEstimation.Isotonic(logits, qualities, -0.5));
            Assert.Equal((floor + 0.5) / 2, QualityEstimation.Isotonic(logits, qualities, -1.5), 12);
            Assert.Equal(floor, QualityEstimation.Isotonic(logits, qualities, -10));
            Assert.Equal(1 - floor, QualityEstimation.Isotonic(logits, qualities, 10));
        }

        [Fact]
        public void EqualLogitsArePooledFirstAndSoftLabelsAverage()
        {
            (double[] logits, double[] qualities) = IsotonicCalibration.Fit([1, 1, 1, 2], [0.2, 0.4, 0.9, 0.7]);
            Assert.Equal(new double[] { 1, 2 }, logits);
            Assert.Equal(new[] { 0.5, 0.7 }, qualities.Select(q => Math.Round(q, 12)));
        }

        [Fact]
        public void TheTableIsMonotoneAndReproducesTheBlockMeansOnRandomData()
        {
            var random = new Random(3);
            double[] x = Enumerable.Range(0, 400).Select(_ => (random.NextDouble() * 8) - 4).ToArray();
            double[] y = x.Select(t => random.NextDouble() < 1 / (1 + Math.Exp(-t)) ? 1.0 : 0.0).ToArray();
            (double[] logits, double[] qualities) = IsotonicCalibration.Fit(x, y);
            for (int i = 1; i < logits.Length; i++)
            {
                Assert.True(logits[i] > logits[i - 1]);
                Assert.True(qualities[i] >= qualities[i - 1]);
            }

            Assert.InRange(logits.Length, 4, 200);
            // Least squares over monotone maps: the fitted values' mean equals the labels' mean (PAV preserves sums) when no
            // block was clamped at 0 or 1 by more than the floor.
            double fittedMean = x.Select(t => QualityEstimation.Isotonic(logits, qualities, t)).Average();
            Assert.Equal(y.Average(), fittedMean, 2);
        }

        [Fact]
        public void OneDistinctLogitGivesAFlatTwoPointTable()
        {
            (double[] logits, double[] qualities) = IsotonicCalibration.Fit([0.5, 0.5], [0, 1]);
            Assert.Equal(2, logits.Length);
            Assert.Equal(qualities[0], qualities[1]);
            Assert.Equal(0.5, qualities[0]);
        }
    }
}
