using System.Collections.Generic;
using RouterGen.Profiles;

namespace RouterGen.Fitting
{
    /// <summary>One held-out fold: the prompts a router is fit on, the prompts it is scored on, and where each scored prompt's outcomes go.</summary>
    /// <param name="Dataset">The data set the rows index.</param>
    /// <param name="Embeddings">Every prompt's embedding (rows index the data set).</param>
    /// <param name="Embedder">The embedder the fitted profile records.</param>
    /// <param name="FitRows">Rows the router is fit on.</param>
    /// <param name="EvalRows">Rows it is scored on; none may share a prompt id with a fit row.</param>
    /// <param name="EvalPositions">For each evaluation row, its position in the <see cref="HeldOutOutcomes"/> it is scored into.</param>
    public sealed record HeldOutFold(
        RoutingDataset Dataset,
        EmbeddingMatrix Embeddings,
        EmbedderDefinition Embedder,
        IReadOnlyList<int> FitRows,
        IReadOnlyList<int> EvalRows,
        IReadOnlyList<int> EvalPositions);
}
