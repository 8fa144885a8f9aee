using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>How well one estimator's predicted quality for one model matches held-out outcomes.</summary>
    /// <param name="Estimator">One of <see cref="EstimatorKinds"/>.</param>
    /// <param name="ModelId">The model.</param>
    /// <param name="ExpectedCalibrationError">Σ over bins of (bin share) × |mean predicted − mean observed|.</param>
    /// <param name="Bins">The reliability table (empty bins left out).</param>
    public sealed record ModelCalibration(string Estimator, string ModelId, double ExpectedCalibrationError, IReadOnlyList<ReliabilityBin> Bins);
}
