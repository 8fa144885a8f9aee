using BenchmarkDotNet.Running;

namespace RouterGen.Benchmarks
{
    public static class Program
    {
        /// <summary>
        /// dotnet run -c Release --project tests/RouterGen.Benchmarks -- --filter '*'; or -- generated-vs-loaded [--launches 5]
        /// for issue 11's five-launch generated/loaded comparison (GeneratedVsLoaded).
        /// </summary>
        public static int Main(string[] args)
        {
            if (args.Length > 0 && args[0] == GeneratedVsLoaded.Command)
            {
                return GeneratedVsLoaded.Run(args[1..]);
            }

            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
            return 0;
        }
    }
}
