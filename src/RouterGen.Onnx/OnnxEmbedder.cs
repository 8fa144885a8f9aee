using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Numerics.Tensors;
using System.Threading;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;
using RouterGen.Embedding;
using RouterGen.Profiles;

namespace RouterGen.Onnx
{
    /// <summary>
    /// Embeds prompts with a BERT-family sentence-transformer exported to ONNX: WordPiece tokenisation, an ONNX Runtime
    /// forward pass, mean or [CLS] pooling of <c>last_hidden_state</c>, L2 normalisation.
    /// </summary>
    /// <remarks>
    /// <see cref="Embed"/> reuses pinned input and output buffers and the ONNX Runtime tensors wrapping them (one set per
    /// sequence length, created on first use), so after warm-up a call allocates on the managed heap only what the
    /// tokenizer allocates. Calls to <see cref="Embed"/> are serialised by a lock; use one embedder per thread for
    /// parallel single-prompt embedding. <see cref="EmbedBatch"/> runs prompts of similar length together (length-bucketed).
    /// </remarks>
    public sealed class OnnxEmbedder : IBatchEmbedder, IDisposable
    {
        private const int DefaultMaxTokens = 256;

        private readonly InferenceSession _session;
        private readonly RunOptions _runOptions = new();
        private readonly BertTokenizer _tokenizer;
        private readonly bool _meanPooling;
        private readonly string _prefix;
        private readonly int _maxTokens;
        private readonly int _batchSize;
        private readonly int _maxBatchTokens;
        private readonly double _maxPaddingRatio;
        private readonly string _inputIdsName;
        private readonly string? _attentionMaskName;
        private readonly string? _tokenTypeIdsName;
        private readonly string _outputName;
        private readonly string[] _inputNames;
        private readonly string[] _outputNames;
        private readonly Lock _gate = new();

        // Single-prompt path: buffers sized for MaxTokens, wrapped per sequence length on first use.
        private readonly long[] _ids;
        private readonly long[] _mask;
        private readonly long[] _types;
        private readonly float[] _hidden;
        private readonly OrtValue[]?[] _inputsByLength;
        private readonly OrtValue[]?[] _outputsByLength;
        private readonly OrtIoBinding?[] _bindingsByLength;
        private char[] _text = new char[256];
        private bool _disposed;

        private OnnxEmbedder(string source, OnnxModelFolder? folder, InferenceSession session, BertTokenizer tokenizer, string modelSha256, EmbeddingPooling pooling, string? prefix, int maxTokens, int batchSize, int maxBatchTokens, double maxPaddingRatio)
        {
            Source = source;
            Folder = folder;
            _session = session;
            _tokenizer = tokenizer;
            _meanPooling = pooling == EmbeddingPooling.Mean;
            _prefix = prefix ?? "";
            _maxTokens = maxTokens;
            _batchSize = batchSize;
            _maxBatchTokens = maxBatchTokens;
            _maxPaddingRatio = maxPaddingRatio;

            (_inputIdsName, _attentionMaskName, _tokenTypeIdsName) = ReadInputs(source, session);
            (_outputName, int? hidden) = ReadOutput(source, session);
            _inputNames = new[] { _inputIdsName, _attentionMaskName, _tokenTypeIdsName }.Where(n => n != null).Select(n => n!).ToArray();
            _outputNames = new[] { _outputName };

            _ids = new long[maxTokens];
            _mask = new long[maxTokens];
            _types = new long[maxTokens];
            _inputsByLength = new OrtValue[]?[maxTokens + 1];
            _outputsByLength = new OrtValue[]?[maxTokens + 1];
            _bindingsByLength = new OrtIoBinding?[maxTokens + 1];

            // The hidden size is usually declared; when it is symbolic, one tiny run tells.
            Dimension = hidden ?? ProbeDimension();
            _hidden = new float[maxTokens * Dimension];
            Parameters = new OnnxEmbedderParameters { ModelSha256 = modelSha256, Pooling = pooling, Prefix = prefix, MaxTokens = maxTokens };
            Identity = EmbedderIdentity.ForOnnx(Dimension, Parameters);
        }

        /// <summary>The model folder this embedder was loaded from; null when it was loaded from streams.</summary>
        public OnnxModelFolder? Folder { get; }

        /// <summary>Where the model came from, as error messages name it: the model file's path, or the name given to a stream load.</summary>
        public string Source { get; }

        /// <inheritdoc />
        public int Dimension { get; }

        /// <inheritdoc />
        public string Identity { get; }

        /// <summary>Model hash, pooling, prefix and token limit: what a profile records about this embedder.</summary>
        public OnnxEmbedderParameters Parameters { get; }

        /// <summary>The profile's <c>embedder</c> section for a router fit with this embedder.</summary>
        public EmbedderDefinition Definition => new()
        {
            Kind = EmbedderDefinition.OnnxKind,
            Dimension = Dimension,
            Identity = Identity,
            Onnx = new OnnxEmbedderParameters
            {
                ModelSha256 = Parameters.ModelSha256,
                Pooling = Parameters.Pooling,
                Prefix = Parameters.Prefix,
                MaxTokens = Parameters.MaxTokens,
            },
        };

        /// <summary>Loads the model in <paramref name="directory"/> (see <see cref="OnnxModelFolder"/>).</summary>
        /// <exception cref="OnnxModelException">The folder, its files or the model's inputs and outputs are unusable.</exception>
        public static OnnxEmbedder Load(string directory, OnnxEmbedderOptions? options = null)
        {
            options ??= new OnnxEmbedderOptions();
            OnnxModelFolder folder = OnnxModelFolder.Open(directory);
            EmbeddingPooling pooling = CheckPooling(options.Pooling ?? folder.DefaultPooling ?? EmbeddingPooling.Mean, folder.ModelPath);
            int modelLimit = Math.Min(folder.ModelMaxLength ?? int.MaxValue, folder.MaxPositionEmbeddings ?? int.MaxValue);
            BertTokenizer tokenizer = folder.CreateTokenizer();
            string sha256 = folder.ComputeModelSha256();
            // sentence-transformers' own limit for the model (sentence_bert_config.json), as far as the model reaches.
            int? folderTokens = folder.MaxSequenceLength is int limit ? Math.Min(limit, modelLimit) : null;
            return Create(folder.ModelPath, folder, tokenizer, sha256, pooling, options.Prefix ?? folder.DefaultPrefix, modelLimit, folderTokens, options, sessionOptions => new InferenceSession(folder.ModelPath, sessionOptions));
        }

        /// <summary>
        /// Loads an ONNX model from <paramref name="model"/> and its WordPiece vocabulary (vocab.txt format: one token a
        /// line, LF or CRLF) from <paramref name="vocabulary"/>, such as the resources of a package that ships a model.
        /// The tokenizer is uncased BERT's (lower-case, strip accents, split CJK ideographs), as for all-MiniLM-L6-v2 and
        /// other bert-base-uncased derivatives; a cased model needs a folder whose tokenizer_config.json says so.
        /// </summary>
        /// <param name="model">The ONNX model's bytes (the array is not kept).</param>
        /// <param name="vocabulary">The vocabulary, read to its end and not disposed.</param>
        /// <param name="options">Pooling (default mean), prefix, token limit (default 256), threads and batch size.</param>
        /// <param name="source">How error messages and <see cref="Source"/> name the model, such as the resource it came from.</param>
        /// <exception cref="OnnxModelException">The model, the vocabulary or the model's inputs and outputs are unusable.</exception>
        public static OnnxEmbedder Load(byte[] model, Stream vocabulary, OnnxEmbedderOptions? options = null, string source = "<model bytes>")
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(vocabulary);
            ArgumentNullException.ThrowIfNull(source);
            options ??= new OnnxEmbedderOptions();
            EmbeddingPooling pooling = CheckPooling(options.Pooling ?? EmbeddingPooling.Mean, source);
            BertTokenizer tokenizer = OnnxModelFolder.CreateTokenizer(vocabulary, source, lowerCase: true, stripAccents: true, tokenizeCjk: true);
            string sha256 = Convert.ToHexStringLower(SHA256.HashData(model));
            return Create(source, null, tokenizer, sha256, pooling, options.Prefix, int.MaxValue, null, options, sessionOptions => new InferenceSession(model, sessionOptions));
        }

        /// <summary>As <see cref="Load(byte[], Stream, OnnxEmbedderOptions?, string)"/>, reading the model from <paramref name="model"/> to its end (not disposed).</summary>
        /// <exception cref="OnnxModelException">The model, the vocabulary or the model's inputs and outputs are unusable.</exception>
        public static OnnxEmbedder Load(Stream model, Stream vocabulary, OnnxEmbedderOptions? options = null, string source = "<model stream>")
        {
            ArgumentNullException.ThrowIfNull(model);
            using var bytes = new MemoryStream();
            model.CopyTo(bytes);
            return Load(bytes.ToArray(), vocabulary, options, source);
        }

        /// <summary>
        /// Loads the model in <paramref name="directory"/> with the pooling, prefix and token limit a profile recorded, and
        /// checks it is the model the profile was fit with (same file hash and dimension).
        /// </summary>
        /// <exception cref="EmbedderMismatchException">The model file or its dimension differs from the profile's.</exception>
        public static OnnxEmbedder LoadForProfile(string directory, EmbedderDefinition profileEmbedder, int intraOpThreads = 1)
        {
            ArgumentNullException.ThrowIfNull(profileEmbedder);
            if (profileEmbedder.Kind != EmbedderDefinition.OnnxKind || profileEmbedder.Onnx == null)
            {
                throw new EmbedderMismatchException($"The profile was fit with embedder kind '{profileEmbedder.Kind}' ('{profileEmbedder.Identity}'), not an ONNX model; cannot use the model in '{directory}'.");
            }

            OnnxEmbedderParameters p = profileEmbedder.Onnx;
            OnnxEmbedder embedder = Load(directory, new OnnxEmbedderOptions { Pooling = p.Pooling, Prefix = p.Prefix, MaxTokens = p.MaxTokens, IntraOpThreads = intraOpThreads });
            try
            {
                if (embedder.Dimension != profileEmbedder.Dimension)
                {
                    throw new EmbedderMismatchException(
                        $"{embedder.Source} produces embeddings of dimension {embedder.Dimension}, but the profile was fit with dimension {profileEmbedder.Dimension} (embedder '{profileEmbedder.Identity}').");
                }

                if (!string.Equals(embedder.Parameters.ModelSha256, p.ModelSha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new EmbedderMismatchException(
                        $"{embedder.Source} has SHA-256 {embedder.Parameters.ModelSha256}, but the profile was fit with the model of SHA-256 {p.ModelSha256} (embedder '{profileEmbedder.Identity}'); refit the profile with this model.");
                }

                return embedder;
            }
            catch
            {
                embedder.Dispose();
                throw;
            }
        }

        /// <summary>Token ids (with [CLS] and [SEP], truncated to the token limit) this embedder feeds the model for <paramref name="text"/>.</summary>
        public IReadOnlyList<int> Tokenize(string text)
        {
            ArgumentNullException.ThrowIfNull(text);
            lock (_gate)
            {
                return Encode(WithPrefix(text));
            }
        }

        /// <inheritdoc />
        public void Embed(ReadOnlySpan<char> text, Span<float> destination)
        {
            if (destination.Length != Dimension)
            {
                throw new ArgumentException($"destination has length {destination.Length}; this embedder writes {Dimension} values.", nameof(destination));
            }

            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                IReadOnlyList<int> tokens = Encode(WithPrefix(text));
                int length = tokens.Count;
                for (int i = 0; i < length; i++)
                {
                    _ids[i] = tokens[i];
                    _mask[i] = 1;
                    _types[i] = 0;
                }

                _session.RunWithBinding(_runOptions, BindingFor(length));
                Pool(_hidden.AsSpan(0, length * Dimension), _mask.AsSpan(0, length), destination);
            }
        }

        /// <inheritdoc />
        /// <remarks>
        /// Length-bucketed: the prompts are sorted by token count and cut into runs of similar length, each one ONNX
        /// Runtime call of at most <see cref="OnnxEmbedderOptions.BatchSize"/> prompts and
        /// <see cref="OnnxEmbedderOptions.MaxBatchTokens"/> padded tokens, padded only to its own longest prompt; rows
        /// are written back in input order. Pass many prompts per call (hundreds) so that neighbours in length exist.
        /// </remarks>
        public void EmbedBatch(IReadOnlyList<string> texts, Span<float> destination)
        {
            ArgumentNullException.ThrowIfNull(texts);
            if (destination.Length != texts.Count * Dimension)
            {
                throw new ArgumentException($"destination has length {destination.Length}; {texts.Count} prompts need {texts.Count * Dimension}.", nameof(destination));
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            var tokens = new IReadOnlyList<int>[texts.Count];
            lock (_gate)
            {
                for (int i = 0; i < texts.Count; i++)
                {
                    tokens[i] = Encode(WithPrefix(texts[i] ?? throw new ArgumentException($"texts[{i}] is null.", nameof(texts))));
                }
            }

            // A stable sort: equal lengths keep input order, so the batches (and the floats) are deterministic.
            int[] order = Enumerable.Range(0, texts.Count).OrderBy(i => tokens[i].Count).ToArray();
            int capacity = 0;
            foreach ((int start, int count) in LengthBuckets(order, tokens))
            {
                capacity = Math.Max(capacity, count * tokens[order[start + count - 1]].Count);
            }

            var ids = new long[capacity];
            var mask = new long[capacity];
            var types = new long[capacity];
            foreach ((int start, int count) in LengthBuckets(order, tokens))
            {
                int length = tokens[order[start + count - 1]].Count;
                int cells = count * length;
                Array.Clear(ids, 0, cells);
                Array.Clear(mask, 0, cells);
                for (int row = 0; row < count; row++)
                {
                    IReadOnlyList<int> rowTokens = tokens[order[start + row]];
                    for (int t = 0; t < rowTokens.Count; t++)
                    {
                        ids[(row * length) + t] = rowTokens[t];
                        mask[(row * length) + t] = 1;
                    }
                }

                long[] shape = { count, length };
                using OrtValue idsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, ids.AsMemory(0, cells), shape);
                using OrtValue maskValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, mask.AsMemory(0, cells), shape);
                using OrtValue typesValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, types.AsMemory(0, cells), shape);
                using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, _inputNames, InputValues(idsValue, maskValue, typesValue), _outputNames);
                ReadOnlySpan<float> hidden = outputs[0].GetTensorDataAsSpan<float>();
                for (int row = 0; row < count; row++)
                {
                    int index = order[start + row];
                    Pool(hidden.Slice(row * length * Dimension, length * Dimension), mask.AsSpan(row * length, length), destination.Slice(index * Dimension, Dimension));
                }
            }
        }

        // Runs of the length-sorted prompts: a run grows while it stays within the row cap and the padded-token budget
        // (count × its longest, which is its last, prompt) and while its longest prompt is at most MaxPaddingRatio longer
        // than its shortest, so padding stays under that share of the work; a single prompt always forms a run.
        private IEnumerable<(int Start, int Count)> LengthBuckets(int[] order, IReadOnlyList<int>[] tokens)
        {
            int start = 0;
            while (start < order.Length)
            {
                double longestAllowed = tokens[order[start]].Count * (1 + _maxPaddingRatio);
                int count = 1;
                while (start + count < order.Length && count < _batchSize)
                {
                    int length = tokens[order[start + count]].Count;
                    if ((long)(count + 1) * length > _maxBatchTokens || length > longestAllowed)
                    {
                        break;
                    }

                    count++;
                }

                yield return (start, count);
                start += count;
            }
        }

        /// <inheritdoc />
        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                foreach (OrtValue[]? values in _inputsByLength.Concat(_outputsByLength))
                {
                    if (values != null)
                    {
                        foreach (OrtValue value in values)
                        {
                            value.Dispose();
                        }
                    }
                }

                foreach (OrtIoBinding? binding in _bindingsByLength)
                {
                    binding?.Dispose();
                }

                _session.Dispose();
                _runOptions.Dispose();
            }
        }

        // The options are settable from code, so a value cast from an integer can arrive here.
        private static EmbeddingPooling CheckPooling(EmbeddingPooling pooling, string modelPath) =>
            pooling is EmbeddingPooling.Mean or EmbeddingPooling.Cls
                ? pooling
                : throw new OnnxModelException($"Pooling '{pooling}' for {modelPath} is not supported; use {EmbeddingPoolingNames.Expected}.");

        private static OnnxEmbedder Create(
            string source, OnnxModelFolder? folder, BertTokenizer tokenizer, string sha256, EmbeddingPooling pooling, string? prefix, int modelLimit, int? defaultMaxTokens, OnnxEmbedderOptions options,
            Func<SessionOptions, InferenceSession> openSession)
        {
            int maxTokens = options.MaxTokens ?? defaultMaxTokens ?? Math.Min(DefaultMaxTokens, modelLimit);
            if (maxTokens > modelLimit)
            {
                throw new OnnxModelException($"MaxTokens is {maxTokens}, but the model in '{folder?.DirectoryPath ?? source}' takes at most {modelLimit} tokens (config.json max_position_embeddings / tokenizer_config.json model_max_length).");
            }

            if (maxTokens < 2)
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"MaxTokens is {maxTokens}; it must leave room for [CLS] and [SEP] (at least 2).");
            }

            if (options.BatchSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize is {options.BatchSize}; it must be at least 1.");
            }

            if (!(options.MaxPaddingRatio >= 0))
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"MaxPaddingRatio is {options.MaxPaddingRatio}; it must be 0 or more.");
            }

            if (options.MaxBatchTokens < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"MaxBatchTokens is {options.MaxBatchTokens}; it must be at least 1.");
            }

            InferenceSession session = CreateSession(source, options.IntraOpThreads, options.InterOpThreads, options.AllowSpinning, openSession);
            try
            {
                return new OnnxEmbedder(source, folder, session, tokenizer, sha256, pooling, string.IsNullOrEmpty(prefix) ? null : prefix, maxTokens, options.BatchSize, options.MaxBatchTokens, options.MaxPaddingRatio);
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }

        private static InferenceSession CreateSession(string source, int intraOpThreads, int interOpThreads, bool allowSpinning, Func<SessionOptions, InferenceSession> openSession)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(intraOpThreads);
            ArgumentOutOfRangeException.ThrowIfNegative(interOpThreads);
            try
            {
                return CreateSessionCore(source, intraOpThreads, interOpThreads, allowSpinning, openSession);
            }
            catch (Exception e) when (IsMissingNativeRuntime(e))
            {
                throw new OnnxModelException(
                    $"{source}: ONNX Runtime's native library could not be loaded ({FirstLine(Innermost(e).Message)}). A NativeAOT or self-contained " +
                    "publish needs it beside the binary: libonnxruntime.so on Linux, libonnxruntime.dylib on macOS, onnxruntime.dll on Windows (docs/getting-started.md).",
                    e);
            }
        }

        /// <summary>
        /// True when <paramref name="e"/> says ONNX Runtime's native library is absent or unusable: the first native call
        /// (the session options, through OrtEnv's type initialiser) fails with a DllNotFoundException or
        /// EntryPointNotFoundException, possibly wrapped in a TypeInitializationException.
        /// </summary>
        internal static bool IsMissingNativeRuntime(Exception e) => Innermost(e) is DllNotFoundException or EntryPointNotFoundException;

        // The loader's message goes on to list every path it probed, one per line; an error stays one line.
        private static string FirstLine(string message)
        {
            int end = message.IndexOfAny(['\r', '\n']);
            string first = end < 0 ? message : message[..end];
            int guidance = first.IndexOf(". In order to help", StringComparison.Ordinal);
            return guidance < 0 ? first.TrimEnd(' ', ':') : first[..guidance];
        }

        private static Exception Innermost(Exception e)
        {
            while (e is TypeInitializationException { InnerException: { } inner })
            {
                e = inner;
            }

            return e;
        }

        private static InferenceSession CreateSessionCore(string source, int intraOpThreads, int interOpThreads, bool allowSpinning, Func<SessionOptions, InferenceSession> openSession)
        {
            using var options = new SessionOptions
            {
                IntraOpNumThreads = intraOpThreads,
                InterOpNumThreads = Math.Max(interOpThreads, 1),
                ExecutionMode = interOpThreads > 1 ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            if (!allowSpinning)
            {
                options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
                options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
            }

            try
            {
                return openSession(options);
            }
            catch (OnnxRuntimeException e)
            {
                throw new OnnxModelException($"{source}: ONNX Runtime cannot load the model: {e.Message}", e);
            }
        }

        private static (string InputIds, string? AttentionMask, string? TokenTypeIds) ReadInputs(string modelPath, InferenceSession session)
        {
            string declared = string.Join(", ", session.InputMetadata.Select(kv => $"'{kv.Key}'"));
            string? ids = null, mask = null, types = null;
            foreach ((string name, NodeMetadata metadata) in session.InputMetadata)
            {
                switch (name)
                {
                    case "input_ids": ids = name; break;
                    case "attention_mask": mask = name; break;
                    case "token_type_ids": types = name; break;
                    default:
                        throw new OnnxModelException($"{modelPath}: input '{name}' is not a BERT input; this embedder feeds input_ids, attention_mask and token_type_ids (the model declares {declared}).");
                }

                if (metadata.ElementDataType != TensorElementType.Int64 || metadata.Dimensions.Length != 2)
                {
                    throw new OnnxModelException($"{modelPath}: input '{name}' is {metadata.ElementDataType} of rank {metadata.Dimensions.Length}; expected int64 [batch, sequence].");
                }
            }

            if (ids == null)
            {
                throw new OnnxModelException($"{modelPath}: no input named 'input_ids' (the model declares {declared}).");
            }

            return (ids, mask, types);
        }

        private static (string Name, int? Hidden) ReadOutput(string modelPath, InferenceSession session)
        {
            string name = session.OutputMetadata.ContainsKey("last_hidden_state") ? "last_hidden_state"
                : session.OutputMetadata.ContainsKey("token_embeddings") ? "token_embeddings"
                : session.OutputNames[0];
            NodeMetadata output = session.OutputMetadata[name];
            if (output.ElementDataType != TensorElementType.Float)
            {
                throw new OnnxModelException($"{modelPath}: output '{name}' is {output.ElementDataType}; expected float.");
            }

            if (output.Dimensions.Length != 3)
            {
                string shape = string.Join(", ", output.Dimensions.Select((d, i) => d > 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : output.SymbolicDimensions[i] is { Length: > 0 } s ? s : "?"));
                throw new OnnxModelException($"{modelPath}: output '{name}' has rank {output.Dimensions.Length} ([{shape}]); expected token vectors of rank 3 [batch, sequence, hidden].");
            }

            int hidden = output.Dimensions[2];
            return (name, hidden > 0 ? hidden : null);
        }

        private int ProbeDimension()
        {
            long[] shape = { 1, 2 };
            using OrtValue ids = OrtValue.CreateTensorValueFromMemory(new long[] { _tokenizer.ClassificationTokenId, _tokenizer.SeparatorTokenId }, shape);
            using OrtValue mask = OrtValue.CreateTensorValueFromMemory(new long[] { 1, 1 }, shape);
            using OrtValue types = OrtValue.CreateTensorValueFromMemory(new long[] { 0, 0 }, shape);
            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, _inputNames, InputValues(ids, mask, types), _outputNames);
            long[] dims = outputs[0].GetTensorTypeAndShape().Shape;
            return (int)dims[2];
        }

        private OrtValue[] InputValues(OrtValue ids, OrtValue mask, OrtValue types)
        {
            var values = new OrtValue[_inputNames.Length];
            for (int i = 0; i < _inputNames.Length; i++)
            {
                values[i] = _inputNames[i] == _inputIdsName ? ids : _inputNames[i] == _attentionMaskName ? mask : types;
            }

            return values;
        }

        // An I/O binding per sequence length: running a bound session passes no names or arrays, so nothing is allocated.
        private OrtIoBinding BindingFor(int length)
        {
            OrtIoBinding? binding = _bindingsByLength[length];
            if (binding == null)
            {
                binding = _session.CreateIoBinding();
                OrtValue[] inputs = InputsFor(length);
                for (int i = 0; i < _inputNames.Length; i++)
                {
                    binding.BindInput(_inputNames[i], inputs[i]);
                }

                binding.BindOutput(_outputName, OutputsFor(length)[0]);
                _bindingsByLength[length] = binding;
            }

            return binding;
        }

        private OrtValue[] InputsFor(int length)
        {
            OrtValue[]? values = _inputsByLength[length];
            if (values == null)
            {
                long[] shape = { 1, length };
                values = InputValues(
                    OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _ids.AsMemory(0, length), shape),
                    OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _mask.AsMemory(0, length), shape),
                    OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _types.AsMemory(0, length), shape));
                _inputsByLength[length] = values;
            }

            return values;
        }

        private OrtValue[] OutputsFor(int length)
        {
            OrtValue[]? values = _outputsByLength[length];
            if (values == null)
            {
                values = new[] { OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _hidden.AsMemory(0, length * Dimension), new long[] { 1, length, Dimension }) };
                _outputsByLength[length] = values;
            }

            return values;
        }

        // The prefix and the prompt in one reusable buffer.
        private ReadOnlySpan<char> WithPrefix(ReadOnlySpan<char> text)
        {
            if (_prefix.Length == 0)
            {
                return text;
            }

            int needed = _prefix.Length + text.Length;
            if (_text.Length < needed)
            {
                _text = new char[Math.Max(needed, _text.Length * 2)];
            }

            _prefix.AsSpan().CopyTo(_text);
            text.CopyTo(_text.AsSpan(_prefix.Length));
            return _text.AsSpan(0, needed);
        }

        private IReadOnlyList<int> Encode(ReadOnlySpan<char> text) =>
            _tokenizer.EncodeToIds(text, _maxTokens, addSpecialTokens: true, out _, out _);

        private void Pool(ReadOnlySpan<float> hidden, ReadOnlySpan<long> mask, Span<float> destination)
        {
            int d = Dimension;
            if (_meanPooling)
            {
                destination.Clear();
                int counted = 0;
                for (int t = 0; t < mask.Length; t++)
                {
                    if (mask[t] != 0)
                    {
                        TensorPrimitives.Add(destination, hidden.Slice(t * d, d), destination);
                        counted++;
                    }
                }

                TensorPrimitives.Divide(destination, Math.Max(counted, 1), destination);
            }
            else
            {
                hidden[..d].CopyTo(destination);
            }

            float norm = TensorPrimitives.Norm(destination);
            if (norm > 0)
            {
                TensorPrimitives.Divide(destination, norm, destination);
            }
        }
    }
}
