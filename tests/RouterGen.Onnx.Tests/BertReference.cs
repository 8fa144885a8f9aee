using System;
using System.Collections.Generic;
using RouterGen.Onnx.TestModels;

namespace RouterGen.Onnx.Tests
{
    /// <summary>
    /// BERT's forward pass in plain loops (double precision) over the same weights the ONNX graph holds, and the
    /// sentence-transformers pooling, so that the embedder's output is checked against an independent computation.
    /// </summary>
    public static class BertReference
    {
        /// <summary>last_hidden_state for one unpadded sequence: [tokens.Count, hidden] row-major.</summary>
        public static double[] LastHiddenState(BertModel model, IReadOnlyList<int> tokens)
        {
            BertConfig c = model.Config;
            int n = tokens.Count, h = c.Hidden, heads = c.Heads, dh = h / heads;
            var x = new double[n * h];
            for (int t = 0; t < n; t++)
            {
                for (int j = 0; j < h; j++)
                {
                    double v = model.WordEmbeddings[(tokens[t] * h) + j] + model.PositionEmbeddings[(t * h) + j];
                    if (c.TokenTypes)
                    {
                        v += model.TokenTypeEmbeddings[j];
                    }

                    x[(t * h) + j] = v;
                }
            }

            LayerNorm(x, n, h, model.EmbeddingNormGamma, model.EmbeddingNormBeta);
            foreach (BertLayerWeights w in model.Layers)
            {
                double[] q = Dense(x, n, h, w.Query, w.QueryBias, h);
                double[] k = Dense(x, n, h, w.Key, w.KeyBias, h);
                double[] v = Dense(x, n, h, w.Value, w.ValueBias, h);
                var context = new double[n * h];
                var scores = new double[n];
                for (int head = 0; head < heads; head++)
                {
                    for (int i = 0; i < n; i++)
                    {
                        double max = double.NegativeInfinity;
                        for (int j = 0; j < n; j++)
                        {
                            double s = 0;
                            for (int d = 0; d < dh; d++)
                            {
                                s += q[(i * h) + (head * dh) + d] * k[(j * h) + (head * dh) + d];
                            }

                            scores[j] = s / Math.Sqrt(dh);
                            max = Math.Max(max, scores[j]);
                        }

                        double sum = 0;
                        for (int j = 0; j < n; j++)
                        {
                            scores[j] = Math.Exp(scores[j] - max);
                            sum += scores[j];
                        }

                        for (int j = 0; j < n; j++)
                        {
                            for (int d = 0; d < dh; d++)
                            {
                                context[(i * h) + (head * dh) + d] += scores[j] / sum * v[(j * h) + (head * dh) + d];
                            }
                        }
                    }
                }

                double[] attention = Dense(context, n, h, w.AttentionOut, w.AttentionOutBias, h);
                Add(attention, x);
                LayerNorm(attention, n, h, w.AttentionNormGamma, w.AttentionNormBeta);
                x = attention;

                double[] up = Dense(x, n, h, w.Up, w.UpBias, c.Intermediate);
                for (int i = 0; i < up.Length; i++)
                {
                    up[i] = 0.5 * up[i] * (1 + Erf(up[i] / Math.Sqrt(2)));
                }

                double[] down = Dense(up, n, c.Intermediate, w.Down, w.DownBias, h);
                Add(down, x);
                LayerNorm(down, n, h, w.OutputNormGamma, w.OutputNormBeta);
                x = down;
            }

            return x;
        }

        /// <summary>Mean (or first-token) pooling followed by L2 normalisation.</summary>
        public static double[] SentenceEmbedding(BertModel model, IReadOnlyList<int> tokens, bool mean)
        {
            double[] hidden = LastHiddenState(model, tokens);
            int h = model.Config.Hidden, n = tokens.Count;
            var e = new double[h];
            for (int t = 0; t < (mean ? n : 1); t++)
            {
                for (int j = 0; j < h; j++)
                {
                    e[j] += hidden[(t * h) + j];
                }
            }

            double norm = 0;
            for (int j = 0; j < h; j++)
            {
                e[j] /= mean ? n : 1;
                norm += e[j] * e[j];
            }

            norm = Math.Sqrt(norm);
            for (int j = 0; j < h; j++)
            {
                e[j] /= norm;
            }

            return e;
        }

        private static double[] Dense(double[] x, int n, int inputs, float[] weights, float[] bias, int outputs)
        {
            var y = new double[n * outputs];
            for (int t = 0; t < n; t++)
            {
                for (int o = 0; o < outputs; o++)
                {
                    double s = bias[o];
                    for (int i = 0; i < inputs; i++)
                    {
                        s += x[(t * inputs) + i] * weights[(i * outputs) + o];
                    }

                    y[(t * outputs) + o] = s;
                }
            }

            return y;
        }

        private static void Add(double[] target, double[] other)
        {
            for (int i = 0; i < target.Length; i++)
            {
                target[i] += other[i];
            }
        }

        private static void LayerNorm(double[] x, int n, int h, float[] gamma, float[] beta)
        {
            for (int t = 0; t < n; t++)
            {
                double mean = 0, variance = 0;
                for (int j = 0; j < h; j++)
                {
                    mean += x[(t * h) + j];
                }

                mean /= h;
                for (int j = 0; j < h; j++)
                {
                    double d = x[(t * h) + j] - mean;
                    variance += d * d;
                }

                variance /= h;
                double scale = 1 / Math.Sqrt(variance + BertModel.LayerNormEpsilon);
                for (int j = 0; j < h; j++)
                {
                    x[(t * h) + j] = ((x[(t * h) + j] - mean) * scale * gamma[j]) + beta[j];
                }
            }
        }

        // Abramowitz–Stegun 7.1.26 is only 1.5e-7 accurate; this series/continued-fraction pair is ~1e-15.
        private static double Erf(double x)
        {
            double ax = Math.Abs(x);
            double result;
            if (ax < 2.5)
            {
                double term = ax, sum = ax, x2 = ax * ax;
                for (int k = 1; k < 60; k++)
                {
                    term *= -x2 / k;
                    sum += term / ((2 * k) + 1);
                }

                result = 2 / Math.Sqrt(Math.PI) * sum;
            }
            else
            {
                // erfc continued fraction (Lentz), converges fast for |x| >= 2.5.
                double f = ax, c = ax, d = 0;
                for (int k = 1; k < 100; k++)
                {
                    double a = k / 2.0;
                    d = ax + (a * d);
                    d = 1 / d;
                    c = ax + (a / c);
                    f *= c * d;
                }

                result = 1 - (Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / f);
            }

            return x < 0 ? -result : result;
        }
    }
}
