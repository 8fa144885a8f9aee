using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using RouterGen.Fitting;
using RouterGen.Profiles;

namespace RouterGen.EmbedderComparison
{
    /// <summary>
    /// Cross-validates the same routing pipeline with several built-in embedder variants and prints a Markdown table.
    /// Usage: dotnet run -c Release --project tests/RouterGen.EmbedderComparison -- [--folds 5] [--seeds 2] [--clusters k] [--variant name]... &lt;data folder&gt;...
    /// </summary>
    public static class Program
    {
        private const int Dimension = EmbedderSetup.DefaultBuiltInDimension;

        public static int Main(string[] args)
        {
            int folds = 5, seeds = 2, clusters = 0;
            var folders = new List<string>();
            var only = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--folds": folds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--seeds": seeds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--variant": only.Add(args[++i]); break;
                    case "--clusters": clusters = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    default: folders.Add(args[i]); break;
                }
            }

            if (folders.Count == 0)
            {
                Console.Error.WriteLine("usage: RouterGen.EmbedderComparison [--folds N] [--seeds N] [--variant name]... <data folder>...");
                return 1;
            }

            var variants = Variants().Where(v => only.Count == 0 || only.Contains(v.Name)).ToList();
            string k = clusters == 0 ? "cluster count chosen per fit by nested CV" : $"{clusters} clusters";
            Console.WriteLine($"Cross-validation: {folds} folds × {seeds} shuffles, {k}, dimension {Dimension}.");
            Console.WriteLine();
            Console.WriteLine("| data set | variant | max-quality acc. | acc. at best single's cost | cost to match best single | clusters (median) | seconds |");
            Console.WriteLine("|---|---|---|---|---|---|---|");
            foreach (string folder in folders)
            {
                RoutingDataset dataset = RoutingDatasetReader.ReadFolder(folder);
                foreach ((string name, EmbedderFactory factory) in variants)
                {
                    var clock = Stopwatch.StartNew();
                    var options = new EvaluationOptions { Folds = folds, Seeds = seeds, BootstrapSamples = 200, Clusters = clusters };
                    EvaluationReport report = CrossValidation.Run(dataset, factory, options);
                    PointResult? maxQuality = report.Find("cost-weighted", 0);
                    SingleModelComparison best = report.Comparisons.First(c => c.ModelId == report.BestSingle.ModelId);
                    string matchCost = double.IsNaN(best.CostOfCheapestPoint)
                        ? "not reached"
                        : (best.CostOfCheapestPoint / best.TotalCostUsd).ToString("P1", CultureInfo.InvariantCulture);
                    int[] counts = report.ClusterCounts.OrderBy(c => c).ToArray();
                    Console.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"| {Path.GetFileName(Path.TrimEndingDirectorySeparator(folder))} | {name} | {maxQuality?.Quality:P2} | {best.RouterQualityAtCost:P2} | {matchCost} | {counts[counts.Length / 2]} | {clock.Elapsed.TotalSeconds:F0} |"));
                }

                RoutingDataset d = dataset;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"<!-- {Path.GetFileName(folder)}: {d.PromptCount} prompts, {d.ModelCount} models -->"));
            }

            return 0;
        }

        private static IEnumerable<(string Name, EmbedderFactory Factory)> Variants()
        {
            var words = new HashedNgramParameters { WordNgramMax = 1, CharNgramMin = 0 };
            var wordPairs = new HashedNgramParameters { WordNgramMax = 2, CharNgramMin = 0 };
            var defaults = new HashedNgramParameters();
            var charHeavy = new HashedNgramParameters { CharNgramWeight = 1.0 };
            yield return ("words", Fixed(words));
            yield return ("words+pairs", Fixed(wordPairs));
            yield return ("words+pairs+chars (default)", Fixed(defaults));
            yield return ("words+pairs+chars w=1", Fixed(charHeavy));
            yield return ("default + IDF", BucketWeightLearning.IdfFactory(Dimension, defaults));
            yield return ("words+pairs + IDF", BucketWeightLearning.IdfFactory(Dimension, wordPairs));
        }

        private static EmbedderFactory Fixed(HashedNgramParameters parameters)
        {
            EmbedderSetup setup = EmbedderSetup.BuiltIn(Dimension, parameters);
            return _ => setup;
        }
    }
}
