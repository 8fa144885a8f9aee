using RouterGen.Embedding;

namespace RouterGen.Onnx
{
    /// <summary>
    /// How an <see cref="OnnxEmbedder"/> embeds. Unset values come from the model folder (sentence-transformers'
    /// <c>1_Pooling/config.json</c>, <c>tokenizer_config.json</c>) or, failing that, from the defaults documented here.
    /// </summary>
    public sealed class OnnxEmbedderOptions
    {
        /// <summary>Mean or [CLS] pooling. Default: the folder's 1_Pooling/config.json, else mean.</summary>
        public EmbeddingPooling? Pooling { get; set; }

        /// <summary>Text put before every prompt, such as e5's "query: ". Default: the "query" prompt of config_sentence_transformers.json, else none.</summary>
        public string? Prefix { get; set; }

        /// <summary>Prompts are truncated to this many tokens, [CLS] and [SEP] included. Default: 256, capped by the tokenizer's model_max_length.</summary>
        public int? MaxTokens { get; set; }

        /// <summary>ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (one per core). Default: 1.</summary>
        public int IntraOpThreads { get; set; } = 1;

        /// <summary>Prompts per ONNX Runtime call in <see cref="OnnxEmbedder.EmbedBatch"/>. Default: 32.</summary>
        public int BatchSize { get; set; } = 32;
    }
}
