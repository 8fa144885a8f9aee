using System;
using System.IO;
using System.Text;
using System.Text.Json;
using RouterGen.Profiles;

namespace RouterGen.Fitting
{
    /// <summary>Writes routing data in the canonical layout (docs/data-format.md), for synthetic data and derived subsets.</summary>
    public static class RoutingDatasetWriter
    {
        /// <summary>Writes a data set in the canonical layout (routing.jsonl and models.json) into <paramref name="folder"/>.</summary>
        public static void Write(RoutingDataset dataset, string folder)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            Directory.CreateDirectory(folder);
            using (var stream = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
                {
                    w.WriteStartArray();
                    foreach (DatasetModel model in dataset.Models)
                    {
                        w.WriteStartObject();
                        w.WriteString("id", model.Id);
                        if (model.InputPricePerMTok is double input)
                        {
                            w.WriteNumber("inputPricePerMTok", input);
                        }

                        if (model.OutputPricePerMTok is double output)
                        {
                            w.WriteNumber("outputPricePerMTok", output);
                        }

                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }

                AtomicFile.WriteAllText(Path.Combine(folder, "models.json"), Encoding.UTF8.GetString(stream.ToArray()) + "\n");
            }

            string routing = Path.Combine(folder, "routing.jsonl");
            string temporary = routing + ".tmp";
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
            {
                var line = new MemoryStream();
                for (int p = 0; p < dataset.PromptCount; p++)
                {
                    line.SetLength(0);
                    using (var w = new Utf8JsonWriter(line))
                    {
                        DatasetPrompt prompt = dataset.Prompts[p];
                        w.WriteStartObject();
                        w.WriteString("id", prompt.Id);
                        w.WriteString("prompt", prompt.Text);
                        if (prompt.Group is not null)
                        {
                            w.WriteString("group", prompt.Group);
                        }

                        if (prompt.Split is not null)
                        {
                            w.WriteString("split", prompt.Split);
                        }

                        w.WriteStartObject("scores");
                        for (int m = 0; m < dataset.ModelCount; m++)
                        {
                            w.WriteNumber(dataset.Models[m].Id, dataset.Score(p, m));
                        }

                        w.WriteEndObject();
                        w.WriteStartObject("costs");
                        for (int m = 0; m < dataset.ModelCount; m++)
                        {
                            w.WriteNumber(dataset.Models[m].Id, dataset.CostUsd(p, m));
                        }

                        w.WriteEndObject();
                        w.WriteEndObject();
                    }

                    line.WriteByte((byte)'\n');
                    line.Position = 0;
                    line.CopyTo(file);
                }
            }

            File.Move(temporary, routing, overwrite: true);
        }
    }
}
