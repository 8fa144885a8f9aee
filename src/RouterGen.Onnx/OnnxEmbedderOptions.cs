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

        /// <summary>
        /// Prompts are truncated to this many tokens, [CLS] and [SEP] included. Default: the folder's
        /// sentence_bert_config.json max_seq_length, else 256; capped by the tokenizer's model_max_length and config.json's
        /// max_position_embeddings.
        /// </summary>
        public int? MaxTokens { get; set; }

        /// <summary>ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (one per core). Default: 1.</summary>
        public int IntraOpThreads { get; set; } = 1;

        /// <summary>
        /// ONNX Runtime inter-op threads: above 1, independent graph nodes run in parallel (ORT_PARALLEL); 0 or 1 runs
        /// them in order (ORT_SEQUENTIAL). Default: 1.
        /// </summary>
        public int InterOpThreads { get; set; } = 1;

        /// <summary>
        /// Let idle ONNX Runtime worker threads spin waiting for work (lower latency on an idle machine; on a machine
        /// shared with other work, spinning threads take cores from it). Default: true.
        /// </summary>
        public bool AllowSpinning { get; set; } = true;

        /// <summary>At most this many prompts per ONNX Runtime call in <see cref="OnnxEmbedder.EmbedBatch"/>. Default: 32.</summary>
        public int BatchSize { get; set; } = 32;

        /// <summary>
        /// At most this many padded tokens (prompts × the longest one's tokens) per ONNX Runtime call in
        /// <see cref="OnnxEmbedder.EmbedBatch"/>; a single longer prompt still gets its own call. Default: 8,192.
        /// </summary>
        public int MaxBatchTokens { get; set; } = 8192;

        /// <summary>
        /// In <see cref="OnnxEmbedder.EmbedBatch"/>, a call's longest prompt has at most this fraction more tokens than its
        /// shortest, so padding is at most this share of the work. Default: 0.125. <see cref="double.PositiveInfinity"/>
        /// gives fixed-size calls (<see cref="BatchSize"/> prompts of sorted length each).
        /// </summary>
        public double MaxPaddingRatio { get; set; } = 0.125;
    }
}
