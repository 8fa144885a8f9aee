using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RouterGen.Fitting
{
    /// <summary>
    /// Generates routing data with known structure, for tests and for scale measurements (no real data needed): prompts
    /// are drawn from topics, each topic with its own vocabulary and its own success rate per model, so a router that
    /// finds the topics can beat every single model.
    /// </summary>
    public static class SyntheticRoutingData
    {
        /// <summary>Creates a data set in memory.</summary>
        /// <param name="prompts">Number of prompts.</param>
        /// <param name="models">Number of models.</param>
        /// <param name="topics">Number of topics.</param>
        /// <param name="seed">Seed; the same arguments give the same data.</param>
        /// <param name="wordsPerPrompt">Words per prompt.</param>
        public static RoutingDataset Generate(int prompts, int models = 6, int topics = 8, ulong seed = 1, int wordsPerPrompt = 40)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(prompts, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(models, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(topics, 1);
            var random = new SeededRandom(seed, 77);
            var modelList = new List<DatasetModel>();
            var price = new double[models];
            for (int m = 0; m < models; m++)
            {
                price[m] = 0.1 * (m + 1);
                modelList.Add(new DatasetModel("model-" + m.ToString(CultureInfo.InvariantCulture), null, price[m], price[m] * 4));
            }

            // Each topic favours one model strongly; larger (pricier) models are a little better everywhere.
            var skill = new double[topics * models];
            for (int t = 0; t < topics; t++)
            {
                int favourite = t % models;
                for (int m = 0; m < models; m++)
                {
                    skill[(t * models) + m] = Math.Clamp(0.35 + (0.05 * m) + (m == favourite ? 0.35 : 0) + (0.1 * (random.NextDouble() - 0.5)), 0.02, 0.98);
                }
            }

            var promptList = new List<DatasetPrompt>(prompts);
            var scores = new double[prompts * models];
            var costs = new double[prompts * models];
            var text = new StringBuilder();
            for (int p = 0; p < prompts; p++)
            {
                int topic = random.Next(topics);
                text.Clear();
                for (int w = 0; w < wordsPerPrompt; w++)
                {
                    // Three in four words come from the topic's vocabulary, the rest from a shared one.
                    bool own = random.NextDouble() < 0.75;
                    int word = random.Next(60);
                    text.Append(own ? $"t{topic}w{word} " : $"common{word} ");
                }

                string id = "p" + p.ToString(CultureInfo.InvariantCulture);
                promptList.Add(new DatasetPrompt(id, text.ToString().TrimEnd(), "topic-" + topic.ToString(CultureInfo.InvariantCulture), p % 10 == 9 ? "test" : "train", p + 1));
                for (int m = 0; m < models; m++)
                {
                    scores[(p * models) + m] = random.NextDouble() < skill[(topic * models) + m] ? 1 : 0;
                    costs[(p * models) + m] = price[m] * (1 + random.NextDouble()) / 1000;
                }
            }

            return new RoutingDataset("synthetic", modelList, promptList, scores, costs, new bool[models]);
        }
    }
}
