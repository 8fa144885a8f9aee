using System;
using RouterGen.Routing;
using Router = RouterGen.Sample.SweBenchRouter;

namespace RouterGen.Sample
{
    /// <summary>
    /// Routes one prompt with the router compiled from profiles/swebench-verified.router.json and explains the decision.
    /// Usage: RouterGen.Sample [--preset NAME] [--exclude MODEL]... "prompt"
    /// </summary>
    internal static class Program
    {
        private const int Alternatives = 4;

        private static int Main(string[] args)
        {
            string? presetName = null;
            string? prompt = null;
            ModelMask allowed = ModelMask.All;
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--preset" when i + 1 < args.Length:
                        presetName = args[++i];
                        break;
                    case "--exclude" when i + 1 < args.Length:
                        int model = Router.Tables.IndexOfModel(args[++i]);
                        if (model < 0)
                        {
                            return Fail($"--exclude: '{args[i]}' is not a model of {Router.Tables.Name} (models: {string.Join(", ", Router.Tables.ModelIds)}).");
                        }

                        allowed = allowed.Without(model);
                        break;
                    case "-h" or "--help":
                        PrintUsage();
                        return 0;
                    default:
                        if (args[i].StartsWith("--", StringComparison.Ordinal) || prompt is not null)
                        {
                            return Fail($"Unexpected argument '{args[i]}'. Quote the prompt as one argument.");
                        }

                        prompt = args[i];
                        break;
                }
            }

            if (prompt is null)
            {
                PrintUsage();
                return 1;
            }

            RoutingOptions options = RoutingOptions.MaxQuality;
            if (presetName is not null && !Router.Tables.TryGetPreset(presetName, out options))
            {
                return Fail($"--preset: '{presetName}' is not a preset of {Router.Tables.Name} (presets: {string.Join(", ", Router.Tables.PresetNames)}).");
            }

            if (allowed.CountAllowed(Router.ModelCount) == 0)
            {
                return Fail("--exclude removes every model; at least one must remain.");
            }

            options = options.WithAllowedModels(allowed);
            RouteDecision decision = Router.Route(prompt, options);
            Explain(decision, presetName);
            return 0;
        }

        private static void Explain(RouteDecision decision, string? presetName)
        {
            RouterTables tables = decision.Tables;
            Console.WriteLine($"Router   {tables.Name}: {Router.ClusterCount} clusters, {Router.ModelCount} models, {Router.Dimension}-dimensional built-in embedder (compiled in)");
            Console.WriteLine($"Preset   {(presetName ?? "(none: maximum expected quality)")} -> {decision.Options}");
            Console.WriteLine($"Model    {decision.ModelId}");
            Console.WriteLine(decision.IsFallback
                ? $"Cluster  {(decision.ClusterIndex < 0 ? "none" : $"#{decision.ClusterIndex} \"{decision.ClusterLabel}\"")}, similarity {RouteExplanation.Similarity(decision.Similarity)} below {RouteExplanation.Number(tables.MinSimilarity)}: out of distribution, fallback rule applied"
                : $"Cluster  #{decision.ClusterIndex} \"{decision.ClusterLabel}\", cosine similarity {RouteExplanation.Similarity(decision.Similarity)}");
            Console.WriteLine($"Expected quality {RouteExplanation.Percent(decision.ExpectedQuality)}, cost {RouteExplanation.Usd(decision.ExpectedCostUsd)} per request{(decision.IsFallback ? " (global averages)" : " (this cluster's statistics)")}");

            Span<RankedModel> ranked = stackalloc RankedModel[Router.ModelCount];
            int count = decision.RankAlternatives(ranked);
            Console.WriteLine();
            Console.WriteLine($"Ranked under {decision.Options} (the next ones are what to try if the chosen model fails):");
            for (int r = 0; r < Math.Min(count, Alternatives + 1); r++)
            {
                RankedModel model = ranked[r];
                Console.WriteLine($"  {r + 1}. {tables.ModelIds[model.ModelIndex],-28} quality {RouteExplanation.Percent(model.ExpectedQuality),6}  cost {RouteExplanation.Usd(model.ExpectedCostUsd)}{(r == 0 ? "  <- chosen" : "")}");
            }

            if (count > Alternatives + 1)
            {
                Console.WriteLine($"  ... and {count - Alternatives - 1} more");
            }

            Console.WriteLine();
            Console.WriteLine("Why:");
            Console.WriteLine(decision.Explain());
        }

        private static void PrintUsage()
        {
            Console.WriteLine($"Usage: RouterGen.Sample [--preset NAME] [--exclude MODEL]... \"prompt\"");
            Console.WriteLine($"Presets of {Router.Tables.Name}: {string.Join(", ", Router.Tables.PresetNames)}");
        }

        private static int Fail(string message)
        {
            Console.Error.WriteLine(message);
            return 1;
        }
    }
}
