using System;

namespace RouterGen.Fitting
{
    /// <summary>
    /// For every policy point and evaluation position, the held-out score and cost of the model the point chose, at
    /// <see cref="IndexOf"/> = point × <see cref="EvalCount"/> + position. Several fitted routers (folds, estimators) fill
    /// one matrix, each its own positions or points.
    /// </summary>
    /// <param name="Points">The policy points (rows of the matrix).</param>
    /// <param name="EvalCount">Evaluation positions per point.</param>
    /// <param name="Scores">Score of the chosen model, point-major.</param>
    /// <param name="Costs">Cost (USD) of the chosen model, point-major.</param>
    public sealed record HeldOutOutcomes(PolicyPoint[] Points, int EvalCount, double[] Scores, double[] Costs)
    {
        /// <summary>A zeroed matrix for <paramref name="points"/> × <paramref name="evalCount"/>.</summary>
        public static HeldOutOutcomes Allocate(PolicyPoint[] points, int evalCount)
        {
            ArgumentNullException.ThrowIfNull(points);
            ArgumentOutOfRangeException.ThrowIfNegative(evalCount);
            return new HeldOutOutcomes(points, evalCount, new double[points.Length * evalCount], new double[points.Length * evalCount]);
        }

        /// <summary>Index of (<paramref name="point"/>, <paramref name="position"/>) in <see cref="Scores"/> and <see cref="Costs"/>.</summary>
        public int IndexOf(int point, int position) => (point * EvalCount) + position;
    }
}
