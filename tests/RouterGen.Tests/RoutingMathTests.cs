using System;
using System.Linq;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Tests
{
    public sealed class RoutingMathTests
    {
        [Fact]
        public void CostWeightedBreakpointsAgreeWithDirectChoiceEverywhereBetweenThem()
        {
            var random = new Random(5);
            for (int trial = 0; trial < 300; trial++)
            {
                int models = random.Next(1, 12);
                double[] quality = Enumerable.Range(0, models).Select(_ => Math.Round(random.NextDouble(), random.Next(1, 4))).ToArray();
                double[] cost = Enumerable.Range(0, models).Select(_ => Math.Round(random.NextDouble() * 0.5, random.Next(1, 4))).ToArray();
                double scale = RoutingMath.CostScale(cost);
                KnobBreakpoints breakpoints = RoutingMath.CostWeightedBreakpoints(quality, cost, 0, models, scale);
                Assert.True(breakpoints.UpperBounds.Zip(breakpoints.UpperBounds.Skip(1)).All(p => p.First < p.Second), "bounds ascend");
                for (int i = 0; i <= 1000; i++)
                {
                    double w = i / 1000.0;
                    if (breakpoints.UpperBounds.Any(b => Math.Abs(b - w) < 1e-9))
                    {
                        continue; // exactly at a crossing both neighbours are optimal
                    }

                    int expected = RoutingMath.ChooseCostWeighted(quality, cost, 0, models, scale, w, RoutingMath.AllModels(models));
                    Assert.True(expected == breakpoints.ModelAt(w), $"w={w:R} expected {expected} got {breakpoints.ModelAt(w)}; q=[{string.Join(",", quality)}] c=[{string.Join(",", cost)}] bounds=[{string.Join(",", breakpoints.UpperBounds)}] models=[{string.Join(",", breakpoints.Models)}]");
                }
            }
        }

        [Fact]
        public void ShortfallBreakpointsAgreeWithDirectChoiceIncludingAtTheGaps()
        {
            var random = new Random(9);
            for (int trial = 0; trial < 300; trial++)
            {
                int models = random.Next(1, 12);
                double[] quality = Enumerable.Range(0, models).Select(_ => Math.Round(random.NextDouble(), 2)).ToArray();
                double[] cost = Enumerable.Range(0, models).Select(_ => Math.Round(random.NextDouble(), 2)).ToArray();
                KnobBreakpoints breakpoints = RoutingMath.ShortfallBreakpoints(quality, cost, 0, models);
                double best = quality.Max();
                double[] knobs = Enumerable.Range(0, 101).Select(i => i / 100.0).Concat(quality.Select(q => best - q)).ToArray();
                foreach (double tau in knobs)
                {
                    Assert.Equal(RoutingMath.ChooseShortfall(quality, cost, 0, models, tau, RoutingMath.AllModels(models)), breakpoints.ModelAt(tau));
                }
            }
        }

        [Fact]
        public void MaxQualityPrefersTheCheaperOfEqualQualityModels()
        {
            double[] quality = { 0.8, 0.8, 0.5 };
            double[] cost = { 0.9, 0.2, 0.01 };
            Assert.Equal(1, RoutingMath.ChooseCostWeighted(quality, cost, 0, 3, 0.9, 0, RoutingMath.AllModels(3)));
            Assert.Equal(1, RoutingMath.CostWeightedBreakpoints(quality, cost, 0, 3, 0.9).ModelAt(0));
        }

        [Fact]
        public void CostWeightOneIsTheCheapestAndShortfallZeroIsTheBest()
        {
            double[] quality = { 0.9, 0.7, 0.4 };
            double[] cost = { 1.0, 0.3, 0.05 };
            Assert.Equal(2, RoutingMath.CostWeightedBreakpoints(quality, cost, 0, 3, 1.0).ModelAt(1));
            Assert.Equal(0, RoutingMath.ShortfallBreakpoints(quality, cost, 0, 3).ModelAt(0));
            Assert.Equal(1, RoutingMath.ShortfallBreakpoints(quality, cost, 0, 3).ModelAt(0.21));
            Assert.Equal(1, RoutingMath.ShortfallBreakpoints(quality, cost, 0, 3).ModelAt(0.49));
            Assert.Equal(2, RoutingMath.ShortfallBreakpoints(quality, cost, 0, 3).ModelAt(0.5));
        }

        [Fact]
        public void MaskedChoiceSkipsExcludedModelsAndReportsNoneAllowed()
        {
            double[] quality = { 0.9, 0.7, 0.4 };
            double[] cost = { 1.0, 0.3, 0.05 };
            ulong allButBest = ModelMask.All.Without(0).AllowedBits(3);
            Assert.Equal(1, RoutingMath.ChooseCostWeighted(quality, cost, 0, 3, 1.0, 0, allButBest));
            Assert.Equal(1, RoutingMath.ChooseShortfall(quality, cost, 0, 3, 0.1, allButBest));
            Assert.Equal(-1, RoutingMath.ChooseCostWeighted(quality, cost, 0, 3, 1.0, 0, 0));
        }
    }
}
