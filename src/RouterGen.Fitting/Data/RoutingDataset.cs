using System;
using System.Collections.Generic;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Per-prompt, per-model outcomes: the input of fitting and evaluation. Scores and costs are dense prompt × model
    /// matrices (every prompt has a score for every model; the reader refuses gaps).
    /// </summary>
    public sealed class RoutingDataset
    {
        private readonly double[] _scores;
        private readonly double[] _costsUsd;

        /// <summary>Creates a dataset from already validated parts. Matrices are row-major prompt × model.</summary>
        public RoutingDataset(string name, IReadOnlyList<DatasetModel> models, IReadOnlyList<DatasetPrompt> prompts, double[] scores, double[] costsUsd, bool[] costIsEstimate)
        {
            ArgumentNullException.ThrowIfNull(models);
            ArgumentNullException.ThrowIfNull(prompts);
            ArgumentNullException.ThrowIfNull(scores);
            ArgumentNullException.ThrowIfNull(costsUsd);
            ArgumentNullException.ThrowIfNull(costIsEstimate);
            if (scores.Length != prompts.Count * models.Count || costsUsd.Length != scores.Length || costIsEstimate.Length != models.Count)
            {
                throw new ArgumentException("scores and costs must hold one value per prompt and model; costIsEstimate one per model.", nameof(scores));
            }

            Name = name;
            Models = models;
            Prompts = prompts;
            _scores = scores;
            _costsUsd = costsUsd;
            CostIsEstimate = costIsEstimate;
        }

        /// <summary>Data set name (by default the folder name).</summary>
        public string Name { get; }

        /// <summary>Candidate models, in models.json order.</summary>
        public IReadOnlyList<DatasetModel> Models { get; }

        /// <summary>Prompts, in file order.</summary>
        public IReadOnlyList<DatasetPrompt> Prompts { get; }

        /// <summary>Per model: true when its costs were estimated from list prices and prompt length, not measured.</summary>
        public IReadOnlyList<bool> CostIsEstimate { get; }

        /// <summary>Number of prompts.</summary>
        public int PromptCount => Prompts.Count;

        /// <summary>Number of models.</summary>
        public int ModelCount => Models.Count;

        /// <summary>Score in [0, 1] of model <paramref name="model"/> on prompt <paramref name="prompt"/>.</summary>
        public double Score(int prompt, int model) => _scores[(prompt * Models.Count) + model];

        /// <summary>Cost in USD of model <paramref name="model"/> on prompt <paramref name="prompt"/> (real or estimated).</summary>
        public double CostUsd(int prompt, int model) => _costsUsd[(prompt * Models.Count) + model];

        /// <summary>Scores of one prompt, in model order.</summary>
        public ReadOnlySpan<double> ScoresOf(int prompt) => _scores.AsSpan(prompt * Models.Count, Models.Count);

        /// <summary>Costs of one prompt, in model order.</summary>
        public ReadOnlySpan<double> CostsOf(int prompt) => _costsUsd.AsSpan(prompt * Models.Count, Models.Count);

        /// <summary>Index of a model id, or -1.</summary>
        public int IndexOfModel(string id)
        {
            for (int m = 0; m < Models.Count; m++)
            {
                if (Models[m].Id == id)
                {
                    return m;
                }
            }

            return -1;
        }

        /// <summary>Indices of the prompts whose split is <paramref name="split"/> (ordinal).</summary>
        public int[] IndicesOfSplit(string split)
        {
            var result = new List<int>();
            for (int p = 0; p < Prompts.Count; p++)
            {
                if (string.Equals(Prompts[p].Split, split, StringComparison.Ordinal))
                {
                    result.Add(p);
                }
            }

            return result.ToArray();
        }

        /// <summary>The same prompts restricted to a pool of models, in the pool's order.</summary>
        /// <exception cref="ArgumentException">A pool id is not a model of this dataset, or the pool repeats an id.</exception>
        public RoutingDataset WithModels(IReadOnlyList<string> pool)
        {
            ArgumentNullException.ThrowIfNull(pool);
            var indices = new int[pool.Count];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < pool.Count; i++)
            {
                indices[i] = IndexOfModel(pool[i]);
                if (indices[i] < 0)
                {
                    throw new ArgumentException($"Model '{pool[i]}' is not in data set '{Name}' (models: {string.Join(", ", ModelIds())}).", nameof(pool));
                }

                if (!seen.Add(pool[i]))
                {
                    throw new ArgumentException($"Model '{pool[i]}' is listed twice in the pool.", nameof(pool));
                }
            }

            int n = Prompts.Count, k = indices.Length;
            var scores = new double[n * k];
            var costs = new double[n * k];
            var models = new DatasetModel[k];
            var estimate = new bool[k];
            for (int i = 0; i < k; i++)
            {
                models[i] = Models[indices[i]];
                estimate[i] = CostIsEstimate[indices[i]];
                for (int p = 0; p < n; p++)
                {
                    scores[(p * k) + i] = Score(p, indices[i]);
                    costs[(p * k) + i] = CostUsd(p, indices[i]);
                }
            }

            return new RoutingDataset(Name, models, Prompts, scores, costs, estimate);
        }

        /// <summary>Model ids in order.</summary>
        public string[] ModelIds()
        {
            var ids = new string[Models.Count];
            for (int m = 0; m < ids.Length; m++)
            {
                ids[m] = Models[m].Id;
            }

            return ids;
        }
    }
}
