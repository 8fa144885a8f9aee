namespace RouterGen.Fitting
{
    /// <summary>A candidate model as listed in <c>models.json</c>.</summary>
    /// <param name="Id">Model id; the keys of <c>scores</c> and <c>costs</c> in routing.jsonl.</param>
    /// <param name="DisplayName">Optional human-readable name.</param>
    /// <param name="InputPricePerMTok">Optional list price, USD per million input tokens.</param>
    /// <param name="OutputPricePerMTok">Optional list price, USD per million output tokens.</param>
    public sealed record DatasetModel(string Id, string? DisplayName, double? InputPricePerMTok, double? OutputPricePerMTok);
}
