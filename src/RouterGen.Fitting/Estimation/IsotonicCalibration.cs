using System;
using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Isotonic calibration: the non-decreasing map from a head's raw logit to quality that fits soft labels best in squared
    /// error, by pool-adjacent-violators, stored as the table a profile carries (<c>"method": "isotonic"</c>). Hand-written
    /// because ML.NET's isotonic calibrator takes boolean labels inside an IDataView pipeline, and the heads' labels are
    /// fractional scores; the algorithm is thirty lines.
    /// </summary>
    public static class IsotonicCalibration
    {
        /// <summary>
        /// Fits the table on <paramref name="logits"/> and labels in [0, 1]. Equal logits are pooled first; every pooled block
        /// becomes its first and last logit at the block's mean label (one point when they coincide), so the router
        /// interpolates linearly between blocks and holds the end blocks' values beyond them. Qualities are kept within half a
        /// prompt of 0 and 1 (0.5 / n): a block of all failures is evidence of a low rate, not of an impossible success, and
        /// its log-loss stays finite.
        /// </summary>
        /// <returns>Strictly increasing logits and non-decreasing qualities, at least two points.</returns>
        public static (double[] Logits, double[] Qualities) Fit(double[] logits, double[] labels)
        {
            ArgumentNullException.ThrowIfNull(logits);
            ArgumentNullException.ThrowIfNull(labels);
            if (logits.Length == 0 || labels.Length != logits.Length)
            {
                throw new ArgumentException("Isotonic calibration needs one label per logit, and at least one.", nameof(labels));
            }

            int n = logits.Length;
            var order = new int[n];
            for (int i = 0; i < n; i++)
            {
                order[i] = i;
            }

            Array.Sort((double[])logits.Clone(), order);
            var blocks = new List<Block>();
            for (int i = 0; i < n; i++)
            {
                double x = logits[order[i]], y = labels[order[i]];
                if (blocks.Count > 0 && blocks[^1].Last == x)
                {
                    blocks[^1] = blocks[^1].With(y, x);
                }
                else
                {
                    blocks.Add(new Block(y, 1, x, x));
                }

                // Pool while the block before is not below this one: the result strictly increases block to block.
                while (blocks.Count > 1 && blocks[^2].Mean >= blocks[^1].Mean)
                {
                    Block merged = blocks[^2].Merge(blocks[^1]);
                    blocks.RemoveAt(blocks.Count - 1);
                    blocks[^1] = merged;
                }
            }

            double floor = 0.5 / n;
            var tableLogits = new List<double>();
            var tableQualities = new List<double>();
            foreach (Block block in blocks)
            {
                double q = Math.Clamp(block.Mean, floor, 1 - floor);
                Add(tableLogits, tableQualities, block.First, q);
                if (block.Last > block.First)
                {
                    Add(tableLogits, tableQualities, block.Last, q);
                }
            }

            if (tableLogits.Count == 1)
            {
                // One logit value in all: a flat table (the reader wants two points).
                tableLogits.Add(tableLogits[0] + 1);
                tableQualities.Add(tableQualities[0]);
            }

            return (tableLogits.ToArray(), tableQualities.ToArray());
        }

        // Appends a point, dropping the previous one when it sits in the middle of a flat run (clamping can make one).
        private static void Add(List<double> logits, List<double> qualities, double logit, double quality)
        {
            int count = qualities.Count;
            if (count >= 2 && qualities[count - 1] == quality && qualities[count - 2] == quality)
            {
                logits[count - 1] = logit;
                return;
            }

            logits.Add(logit);
            qualities.Add(quality);
        }

        private readonly record struct Block(double Sum, int Count, double First, double Last)
        {
            public double Mean => Sum / Count;

            public Block With(double label, double logit) => new Block(Sum + label, Count + 1, First, logit);

            public Block Merge(Block next) => new Block(Sum + next.Sum, Count + next.Count, First, next.Last);
        }
    }
}
