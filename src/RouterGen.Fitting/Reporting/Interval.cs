namespace RouterGen.Fitting
{
    /// <summary>An estimate with a bootstrap 95% percentile interval.</summary>
    /// <param name="Estimate">Value on the evaluation prompts as they are.</param>
    /// <param name="Lower">2.5th percentile over resamples.</param>
    /// <param name="Upper">97.5th percentile over resamples.</param>
    /// <param name="Defined">Resamples in which the quantity exists (a regime may have no qualifying point).</param>
    /// <param name="Samples">Resamples drawn.</param>
    public sealed record Interval(double Estimate, double Lower, double Upper, int Defined, int Samples);
}
