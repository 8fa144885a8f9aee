using System;
using System.CommandLine;
using RouterGen.Fitting;

namespace RouterGen.Cli
{
    /// <summary>
    /// <c>--calibration platt|isotonic|auto</c> of <c>fit</c> and <c>eval</c>: how the learned estimator's heads turn a logit
    /// into a quality (<see cref="LinearEstimatorOptions.Calibration"/>).
    /// </summary>
    internal static class CalibrationOption
    {
        public static Option<string> Create()
        {
            var option = new Option<string>("--calibration")
            {
                Description = "Calibration of the learned estimator's heads: platt (sigmoid of a scaled logit), isotonic (a monotone table per model), or auto (per model, by cross-fitted inner-fold cross-entropy).",
                DefaultValueFactory = _ => Format(new LinearEstimatorOptions().Calibration),
            };
            option.AcceptOnlyFromAmong(Format(HeadCalibration.Platt), Format(HeadCalibration.Isotonic), Format(HeadCalibration.Auto));
            return option;
        }

        /// <summary>The estimator options with the calibration the option names (AcceptOnlyFromAmong has refused any other).</summary>
        public static LinearEstimatorOptions Apply(string value) =>
            new LinearEstimatorOptions { Calibration = Enum.Parse<HeadCalibration>(value, ignoreCase: true) };

        private static string Format(HeadCalibration calibration) => calibration.ToString().ToLowerInvariant();
    }
}
