using BenchmarkDotNet.Running;

namespace RouterGen.Onnx.Benchmarks
{
    public static class Program
    {
        // dotnet run -c Release --project tests/RouterGen.Onnx.Benchmarks -- --filter '*OnnxEmbedder*'
        // dotnet run -c Release --project tests/RouterGen.Onnx.Benchmarks -- throughput <routing.jsonl> [--every N] [--passes N] [--configs old,t2-b8192,...]
        public static void Main(string[] args)
        {
            if (args.Length > 1 && args[0] == "throughput")
            {
                EmbeddingThroughput.Run(args[1..]);
                return;
            }

            // ... -- agreement <fp32 MiniLM profile> <routing.jsonl>: int8 vs fp32 MiniLM decisions on that profile.
            if (args.Length > 2 && args[0] == "agreement")
            {
                DecisionAgreement.Run(args[1..]);
                return;
            }

            // ... -- precision-agreement <float32 profile> <routing.jsonl>: float16 and int8 centroids vs float32 decisions.
            if (args.Length > 2 && args[0] == "precision-agreement")
            {
                CentroidPrecisionAgreement.Run(args[1..]);
                return;
            }

            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        }
    }
}
