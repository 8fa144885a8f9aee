using BenchmarkDotNet.Running;

namespace RouterGen.Onnx.Benchmarks
{
    public static class Program
    {
        // dotnet run -c Release --project tests/RouterGen.Onnx.Benchmarks -- --filter '*OnnxEmbedder*'
        public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
