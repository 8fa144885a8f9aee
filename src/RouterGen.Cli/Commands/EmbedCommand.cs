using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using RouterGen.Fitting;
using RouterGen.Profiles;

namespace RouterGen.Cli.Commands
{
    /// <summary>
    /// <c>routergen embed --data routing.jsonl | --text "..." --embedder builtin|onnx:&lt;dir&gt; --out X.jsonl|X.npy</c>:
    /// writes the embeddings a router would compare with its centroids, for inspection (nearest neighbours, plots).
    /// </summary>
    internal static class EmbedCommand
    {
        public static Command Create()
        {
            var data = new DatasetOptions();
            data.Data.Required = false;
            var text = new Option<string[]>("--text")
            {
                Description = "A prompt to embed (repeatable); instead of --data.",
                AllowMultipleArgumentsPerToken = false,
            };
            Option<string> embedder = EmbedderOption.Create();
            Option<string?> embeddingCache = EmbeddingCacheOption.Create();
            var output = new Option<string>("--out")
            {
                Description = "Where to write (atomically): *.jsonl (one {\"id\", \"embedding\"} object per line) or *.npy (float32 matrix, rows in input order).",
                Required = true,
            };
            var command = new Command("embed", "Embed prompts with the built-in or an ONNX embedder and write the vectors for inspection.");
            data.AddTo(command);
            command.Options.Add(text);
            command.Options.Add(embedder);
            command.Options.Add(embeddingCache);
            command.Options.Add(output);
            CommandAction.Set(command, (parseResult, writer) =>
            {
                string[] texts = parseResult.GetValue(text) ?? [];
                bool haveData = parseResult.GetValue(data.Data) is not null;
                if (haveData == (texts.Length > 0))
                {
                    throw new UserInputException("Give either --data or one or more --text, not both and not neither.");
                }

                string path = parseResult.GetRequiredValue(output);
                OutputFiles.Check("--out", path);
                bool npy = path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);
                if (!npy && !path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
                {
                    throw new UserInputException($"--out {path}: the file name must end in .jsonl or .npy (it chooses the format).");
                }

                (string Id, string Text)[] prompts = haveData
                    ? data.Load(parseResult).Prompts.Select(p => (p.Id, p.Text)).ToArray()
                    : texts.Select((t, i) => ((i + 1).ToString(CultureInfo.InvariantCulture), t)).ToArray();
                string[] promptTexts = prompts.Select(p => p.Text).ToArray();
                EmbeddingCache? cache = EmbeddingCacheOption.Resolve(parseResult.GetValue(embeddingCache));
                EmbedderSetup setup = EmbedderOption.Parse(parseResult.GetRequiredValue(embedder), cache)(promptTexts);
                EmbeddingMatrix matrix = PromptEmbedding.EmbedAll(setup.Embedder, promptTexts);

                if (npy)
                {
                    AtomicFile.WriteAllBytes(path, ToNpy(matrix));
                }
                else
                {
                    AtomicFile.WriteAllText(path, ToJsonLines(matrix, prompts));
                }

                writer.WriteLine($"Wrote {matrix.Rows} embeddings of dimension {matrix.Dimension} to {path} (embedder {setup.Definition.Identity}).");
                if (cache is not null && cache.Hits + cache.Misses > 0)
                {
                    writer.WriteLine($"Embedding cache {cache.DirectoryPath}: {cache.Hits} read, {cache.Misses} embedded ({cache.Rejected} entries rejected and recomputed).");
                }

                return ExitCodes.Success;
            });
            return command;
        }

        internal static string ToJsonLines(EmbeddingMatrix matrix, IReadOnlyList<(string Id, string Text)> prompts)
        {
            var text = new StringBuilder();
            for (int r = 0; r < matrix.Rows; r++)
            {
                text.Append("{\"id\":\"").Append(JsonEncode(prompts[r].Id)).Append("\",\"embedding\":[");
                ReadOnlySpan<float> row = matrix.Row(r);
                for (int j = 0; j < row.Length; j++)
                {
                    if (j > 0)
                    {
                        text.Append(',');
                    }

                    text.Append(row[j].ToString("R", CultureInfo.InvariantCulture));
                }

                text.Append("]}\n");
            }

            return text.ToString();
        }

        /// <summary>NumPy .npy format 1.0: magic, header dict padded to a 64-byte boundary, then little-endian float32 rows.</summary>
        internal static byte[] ToNpy(EmbeddingMatrix matrix)
        {
            string header = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({matrix.Rows}, {matrix.Dimension}), }}");
            int unpadded = 10 + header.Length + 1;
            header = header.PadRight(header.Length + ((64 - (unpadded % 64)) % 64)) + "\n";
            var bytes = new byte[10 + header.Length + (matrix.Data.Length * 4)];
            bytes[0] = 0x93;
            Encoding.ASCII.GetBytes("NUMPY").CopyTo(bytes, 1);
            bytes[6] = 1;
            bytes[7] = 0;
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
            Encoding.ASCII.GetBytes(header).CopyTo(bytes, 10);
            Span<byte> body = bytes.AsSpan(10 + header.Length);
            for (int i = 0; i < matrix.Data.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(body.Slice(i * 4, 4), matrix.Data[i]);
            }

            return bytes;
        }

        private static string JsonEncode(string value) => System.Text.Json.JsonEncodedText.Encode(value).ToString();
    }
}
