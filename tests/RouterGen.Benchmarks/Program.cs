using BenchmarkDotNet.Running;

namespace RouterGen.Benchmarks
{
    public static class Program
    {
        /// <summary>dotnet run -c Release --project tests/RouterGen.Benchmarks -- --filter '*'</summary>
        public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
