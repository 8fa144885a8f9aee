namespace RouterGen.Fitting
{
    /// <summary>One prompt of routing.jsonl (its scores and costs live in the dataset's matrices).</summary>
    /// <param name="Id">Unique prompt id.</param>
    /// <param name="Text">The text a router sees.</param>
    /// <param name="Group">Repository or task name: for analysis only, never read when routing.</param>
    /// <param name="Split">"train", "test" or null where the source defines no split.</param>
    /// <param name="Line">1-based line number in routing.jsonl, for messages.</param>
    public sealed record DatasetPrompt(string Id, string Text, string? Group, string? Split, int Line);
}
