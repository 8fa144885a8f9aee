using System;
using System.Globalization;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace RouterGen.Benchmarks
{
    /// <summary>
    /// Issue 11's "generated and runtime-loaded within ±5% of each other over 5 runs", as one command:
    /// <c>dotnet run -c Release --project tests/RouterGen.Benchmarks -- generated-vs-loaded [--launches 5] [--warmups 3] [--iterations 5]</c>.
    /// Runs <see cref="RouteBenchmarks"/> with that many launches (separate processes, so each launch gets its own JIT code
    /// and memory placement), then prints per shape the ratio generated ÷ loaded of the means over every launch, each
    /// launch's own ratio, and whether the overall ratio is within ±5%; with the load average at start and end, because a
    /// loaded machine makes the ratio noise.
    /// </summary>
    internal static class GeneratedVsLoaded
    {
        public const string Command = "generated-vs-loaded";

        private const double Tolerance = 0.05;

        public static int Run(string[] args)
        {
            int launches = Option(args, "--launches", 5), warmups = Option(args, "--warmups", 3), iterations = Option(args, "--iterations", 5);
            string loadBefore = LoadAverage();
            Job job = Job.Default.WithLaunchCount(launches).WithWarmupCount(warmups).WithIterationCount(iterations);
            Summary summary = BenchmarkRunner.Run<RouteBenchmarks>(ManualConfig.Create(DefaultConfig.Instance).AddJob(job));
            string loadAfter = LoadAverage();

            Console.WriteLine();
            Console.WriteLine($"Generated vs runtime-loaded Route, {launches} launches x {iterations} iterations ({warmups} warm-ups); load average {loadBefore} -> {loadAfter}");
            Console.WriteLine("| shape | loaded mean | generated mean | generated / loaded | per launch | within ±5% |");
            Console.WriteLine("|---|---:|---:|---:|---|---|");
            bool allWithin = true;
            foreach (IGrouping<string, BenchmarkReport> shape in summary.Reports.GroupBy(r => (string)r.BenchmarkCase.Parameters["Shape"]).OrderBy(ClusterCount))
            {
                BenchmarkReport? loaded = shape.FirstOrDefault(r => r.BenchmarkCase.Descriptor.Baseline);
                BenchmarkReport? generated = shape.FirstOrDefault(r => !r.BenchmarkCase.Descriptor.Baseline);
                if (loaded?.ResultStatistics is null || generated?.ResultStatistics is null)
                {
                    Console.WriteLine($"| {shape.Key} | failed | | | | |");
                    allWithin = false;
                    continue;
                }

                double ratio = generated.ResultStatistics.Mean / loaded.ResultStatistics.Mean;
                double[] loadedLaunches = LaunchMeans(loaded), generatedLaunches = LaunchMeans(generated);
                string perLaunch = string.Join(" ", loadedLaunches.Zip(generatedLaunches, (l, g) => (g / l).ToString("0.00", CultureInfo.InvariantCulture)));
                bool within = Math.Abs(ratio - 1) <= Tolerance;
                allWithin &= within;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {shape.Key} | {loaded.ResultStatistics.Mean:N1} ns | {generated.ResultStatistics.Mean:N1} ns | {ratio:0.000} | {perLaunch} | {(within ? "yes" : "no")} |"));
            }

            return allWithin ? 0 : 1;
        }

        // The mean time per operation of each launch's measured iterations (launch i of one benchmark ran in its own process).
        private static double[] LaunchMeans(BenchmarkReport report) =>
            report.AllMeasurements
                .Where(m => m.IterationMode == IterationMode.Workload && m.IterationStage == IterationStage.Actual)
                .GroupBy(m => m.LaunchIndex)
                .OrderBy(g => g.Key)
                .Select(g => g.Average(m => m.Nanoseconds / m.Operations))
                .ToArray();

        // Shapes are "clusters x dimension"; listed smallest first, as the docs' tables are.
        private static int ClusterCount(IGrouping<string, BenchmarkReport> shape) =>
            int.Parse(shape.Key.AsSpan(0, shape.Key.IndexOf('x')), NumberStyles.None, CultureInfo.InvariantCulture);

        private static int Option(string[] args, string name, int fallback)
        {
            int at = Array.IndexOf(args, name);
            return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
                ? value
                : at >= 0 ? throw new ArgumentException($"{name} takes a positive whole number.") : fallback;
        }

        private static string LoadAverage() =>
            File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
    }
}
