using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;
using RouterGen.Embedding;

namespace RouterGen.Onnx
{
    /// <summary>
    /// The files of a sentence-transformer exported to ONNX, as Hugging Face repositories lay them out:
    /// <c>model.onnx</c> (or <c>onnx/model.onnx</c>), <c>vocab.txt</c> or <c>tokenizer.json</c>, and optionally
    /// <c>tokenizer_config.json</c> (lower-casing, accents, CJK, model_max_length) and <c>1_Pooling/config.json</c>.
    /// </summary>
    public sealed class OnnxModelFolder
    {
        private OnnxModelFolder(string directory, string modelPath, string vocabularyPath)
        {
            DirectoryPath = directory;
            ModelPath = modelPath;
            VocabularyPath = vocabularyPath;
        }

        /// <summary>The folder.</summary>
        public string DirectoryPath { get; }

        /// <summary>Full path of the ONNX model file.</summary>
        public string ModelPath { get; }

        /// <summary>Full path of vocab.txt or tokenizer.json.</summary>
        public string VocabularyPath { get; }

        /// <summary>Lower-case text before WordPiece (uncased models). Default true, as BERT's tokenizer.</summary>
        public bool LowerCase { get; private set; } = true;

        /// <summary>Strip accents (non-spacing marks after NFD). Default: same as <see cref="LowerCase"/>, as BERT's tokenizer.</summary>
        public bool StripAccents { get; private set; } = true;

        /// <summary>Put spaces around CJK ideographs so each is a token. Default true.</summary>
        public bool TokenizeCjk { get; private set; } = true;

        /// <summary>The tokenizer's model_max_length, when the folder states one.</summary>
        public int? ModelMaxLength { get; private set; }

        /// <summary>config.json's max_position_embeddings: the longest sequence the model has position vectors for.</summary>
        public int? MaxPositionEmbeddings { get; private set; }

        /// <summary>
        /// sentence_bert_config.json's max_seq_length: the token limit sentence-transformers applies to this model (256 for
        /// all-MiniLM-L6-v2, 512 for snowflake-arctic-embed-xs), when the folder states one.
        /// </summary>
        public int? MaxSequenceLength { get; private set; }

        /// <summary>The "query" prompt of config_sentence_transformers.json (e5's "query: "), when present.</summary>
        public string? DefaultPrefix { get; private set; }

        /// <summary>Pooling named by 1_Pooling/config.json (mean or CLS), when present.</summary>
        public EmbeddingPooling? DefaultPooling { get; private set; }

        /// <summary>Finds the files in <paramref name="directory"/> and reads the optional configuration.</summary>
        /// <exception cref="OnnxModelException">A required file is missing or a configuration file is malformed.</exception>
        public static OnnxModelFolder Open(string directory)
        {
            ArgumentNullException.ThrowIfNull(directory);
            string full = Path.GetFullPath(directory);
            if (!Directory.Exists(full))
            {
                throw new OnnxModelException($"Model folder '{full}' does not exist.");
            }

            string? model = FirstExisting(Path.Combine(full, "model.onnx"), Path.Combine(full, "onnx", "model.onnx"));
            if (model == null)
            {
                throw new OnnxModelException($"Model folder '{full}' has no model.onnx (looked for '{Path.Combine(full, "model.onnx")}' and '{Path.Combine(full, "onnx", "model.onnx")}').");
            }

            string? vocabulary = FirstExisting(Path.Combine(full, "vocab.txt"), Path.Combine(full, "tokenizer.json"));
            if (vocabulary == null)
            {
                throw new OnnxModelException($"Model folder '{full}' has neither vocab.txt nor tokenizer.json; a WordPiece vocabulary is required.");
            }

            var folder = new OnnxModelFolder(full, model, vocabulary);
            folder.ReadTokenizerJsonSettings();
            folder.ReadTokenizerConfig();
            folder.ReadPoolingConfig();
            folder.ReadModelConfig();
            folder.ReadSentenceTransformersConfig();
            folder.ReadSentenceBertConfig();
            return folder;
        }

        /// <summary>Lower-case hex SHA-256 of the model file: the identity a profile records.</summary>
        public string ComputeModelSha256()
        {
            using FileStream stream = File.OpenRead(ModelPath);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        /// <summary>Creates the BERT WordPiece tokenizer this folder describes.</summary>
        /// <exception cref="OnnxModelException">The vocabulary cannot be read.</exception>
        public BertTokenizer CreateTokenizer()
        {
            if (VocabularyPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            {
                using var vocab = new MemoryStream(Encoding.UTF8.GetBytes(VocabularyFromTokenizerJson()));
                return CreateTokenizer(vocab, VocabularyPath, LowerCase, StripAccents, TokenizeCjk);
            }

            using FileStream file = File.OpenRead(VocabularyPath);
            return CreateTokenizer(file, VocabularyPath, LowerCase, StripAccents, TokenizeCjk);
        }

        /// <summary>BERT's WordPiece over a vocab.txt-format stream (one token a line, LF or CRLF), named <paramref name="source"/> in errors.</summary>
        internal static BertTokenizer CreateTokenizer(Stream vocabulary, string source, bool lowerCase, bool stripAccents, bool tokenizeCjk)
        {
            var options = new BertOptions
            {
                LowerCaseBeforeTokenization = lowerCase,
                RemoveNonSpacingMarks = stripAccents,
                IndividuallyTokenizeCjk = tokenizeCjk,
                ApplyBasicTokenization = true,
                SplitOnSpecialTokens = false,
                Normalizer = new BertBasicNormalizer(lowerCase, stripAccents, tokenizeCjk),
                PreTokenizer = new BertPunctuationPreTokenizer(),
            };
            try
            {
                return BertTokenizer.Create(vocabulary, options);
            }
            catch (Exception e) when (e is not OnnxModelException)
            {
                throw new OnnxModelException($"{source}: cannot build a WordPiece tokenizer: {e.Message}", e);
            }
        }

        private string VocabularyFromTokenizerJson()
        {
            using JsonDocument document = ParseJson(VocabularyPath);
            if (!document.RootElement.TryGetProperty("model", out JsonElement model) ||
                !model.TryGetProperty("vocab", out JsonElement vocab) || vocab.ValueKind != JsonValueKind.Object)
            {
                throw new OnnxModelException($"{VocabularyPath}: field 'model.vocab' is missing; only WordPiece tokenizer.json files are supported.");
            }

            if (model.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && type.GetString() != "WordPiece")
            {
                throw new OnnxModelException($"{VocabularyPath}: field 'model.type' is '{type.GetString()}'; only WordPiece is supported.");
            }

            var byId = new SortedDictionary<int, string>();
            foreach (JsonProperty entry in vocab.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                {
                    throw new OnnxModelException($"{VocabularyPath}: field 'model.vocab.{entry.Name}' is not a token id.");
                }

                if (!byId.TryAdd(id, entry.Name))
                {
                    throw new OnnxModelException($"{VocabularyPath}: token id {id} is used by both '{byId[id]}' and '{entry.Name}'.");
                }
            }

            // vocab.txt's format: the id is the line number, so gaps would shift ids.
            var text = new StringBuilder();
            int expected = 0;
            foreach ((int id, string token) in byId)
            {
                if (id != expected)
                {
                    throw new OnnxModelException($"{VocabularyPath}: field 'model.vocab' has no token with id {expected}; ids must be 0..n-1.");
                }

                text.Append(token).Append('\n');
                expected++;
            }

            return text.ToString();
        }

        private void ReadTokenizerJsonSettings()
        {
            string path = Path.Combine(DirectoryPath, "tokenizer.json");
            if (!File.Exists(path))
            {
                return;
            }

            using JsonDocument document = ParseJson(path);
            if (document.RootElement.TryGetProperty("normalizer", out JsonElement normalizer) && normalizer.ValueKind == JsonValueKind.Object)
            {
                bool? lowercase = OptionalBool(normalizer, "lowercase", path);
                bool? strip = OptionalBool(normalizer, "strip_accents", path);
                bool? cjk = OptionalBool(normalizer, "handle_chinese_chars", path);
                ApplyCase(lowercase, strip);
                TokenizeCjk = cjk ?? TokenizeCjk;
            }
        }

        private void ReadTokenizerConfig()
        {
            string path = Path.Combine(DirectoryPath, "tokenizer_config.json");
            if (!File.Exists(path))
            {
                return;
            }

            using JsonDocument document = ParseJson(path);
            JsonElement root = document.RootElement;
            bool? lowercase = OptionalBool(root, "do_lower_case", path);
            bool? strip = OptionalBool(root, "strip_accents", path);
            if (lowercase != null || strip != null)
            {
                ApplyCase(lowercase ?? LowerCase, strip);
            }

            TokenizeCjk = OptionalBool(root, "tokenize_chinese_chars", path) ?? TokenizeCjk;
            if (root.TryGetProperty("model_max_length", out JsonElement max) && max.ValueKind == JsonValueKind.Number)
            {
                // Tokenizers without a limit store a huge sentinel (1e30); only believe sensible values.
                if (max.TryGetDouble(out double value) && value >= 2 && value <= 1 << 20)
                {
                    ModelMaxLength = (int)value;
                }
            }
        }

        private void ReadSentenceTransformersConfig()
        {
            string path = Path.Combine(DirectoryPath, "config_sentence_transformers.json");
            if (!File.Exists(path))
            {
                return;
            }

            using JsonDocument document = ParseJson(path);
            if (document.RootElement.TryGetProperty("prompts", out JsonElement prompts) && prompts.ValueKind == JsonValueKind.Object &&
                prompts.TryGetProperty("query", out JsonElement query))
            {
                DefaultPrefix = query.ValueKind == JsonValueKind.String
                    ? query.GetString()
                    : throw new OnnxModelException($"{path}: field 'prompts.query' must be a string.");
            }
        }

        private void ReadSentenceBertConfig() => MaxSequenceLength = ReadTokenCount("sentence_bert_config.json", "max_seq_length") ?? MaxSequenceLength;

        private void ReadModelConfig() => MaxPositionEmbeddings = ReadTokenCount("config.json", "max_position_embeddings") ?? MaxPositionEmbeddings;

        // A token count of at least 2 ([CLS] and [SEP]) in an optional JSON file of the folder; null when the file or field is absent.
        private int? ReadTokenCount(string fileName, string field)
        {
            string path = Path.Combine(DirectoryPath, fileName);
            if (!File.Exists(path))
            {
                return null;
            }

            using JsonDocument document = ParseJson(path);
            if (!document.RootElement.TryGetProperty(field, out JsonElement max))
            {
                return null;
            }

            if (max.ValueKind != JsonValueKind.Number || !max.TryGetInt32(out int value) || value < 2)
            {
                throw new OnnxModelException($"{path}: field '{field}' must be an integer of at least 2.");
            }

            return value;
        }

        private void ReadPoolingConfig()
        {
            string path = Path.Combine(DirectoryPath, "1_Pooling", "config.json");
            if (!File.Exists(path))
            {
                return;
            }

            using JsonDocument document = ParseJson(path);
            JsonElement root = document.RootElement;
            if (OptionalBool(root, "pooling_mode_cls_token", path) == true)
            {
                DefaultPooling = EmbeddingPooling.Cls;
            }
            else if (OptionalBool(root, "pooling_mode_mean_tokens", path) == true)
            {
                DefaultPooling = EmbeddingPooling.Mean;
            }
            else
            {
                throw new OnnxModelException($"{path}: neither 'pooling_mode_mean_tokens' nor 'pooling_mode_cls_token' is true; only mean and CLS pooling are supported.");
            }
        }

        private void ApplyCase(bool? lowercase, bool? stripAccents)
        {
            LowerCase = lowercase ?? LowerCase;

            // BERT's rule: accents are stripped when strip_accents says so, or (when it is unset) whenever text is lower-cased.
            StripAccents = stripAccents ?? LowerCase;
        }

        private static bool? OptionalBool(JsonElement element, string name, string path)
        {
            if (!element.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new OnnxModelException($"{path}: field '{name}' must be true, false or null, not {value.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture)}."),
            };
        }

        private static JsonDocument ParseJson(string path)
        {
            try
            {
                return JsonDocument.Parse(File.ReadAllBytes(path));
            }
            catch (JsonException e)
            {
                throw new OnnxModelException($"{path}: line {e.LineNumber + 1}: not valid JSON: {e.Message}", e);
            }
        }

        private static string? FirstExisting(params string[] paths)
        {
            foreach (string path in paths)
            {
                if (File.Exists(path))
                {
                    return path;
                }
            }

            return null;
        }
    }
}
