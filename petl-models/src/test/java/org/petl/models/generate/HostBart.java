package org.petl.models.generate;

import com.fasterxml.jackson.databind.JsonNode;
import org.petl.core.io.Safetensors;
import org.petl.core.tensor.HostTensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test oracle: a plain-Java, double-precision forward of the reference README's tiny BART / mBART with the paper
 * code's modules (concat prefix with or without MLP, LoRA, attention and FFN adapters, BitFit, prompt tuning),
 * written from the README's formulas. As a {@link StepModel} it is uncached: every step re-runs the decoder on the
 * whole sequence.
 */
final class HostBart implements StepModel {

    private final boolean mbart;
    private final Map<String, double[][]> w = new HashMap<>();
    private final int d;
    private final int heads = 4;
    private final int layers;
    private final int vocab;
    private final double loraAttnScale;
    private final double loraFfnScale;
    private final double ffnScale;
    private final String ffnOption;
    private final String ffnLn;
    private final boolean attnAdapterParallel;
    /** prefix keys/values: key "encoder|self|encoder_decoder/i/k|v" → [l][d]. */
    private final Map<String, double[][]> prefix = new HashMap<>();

    private HostBart(boolean mbart, Map<String, HostTensor> base, Map<String, HostTensor> added, JsonNode ta) {
        this.mbart = mbart;
        base.forEach((k, v) -> w.put(k, matrix(v)));
        if (added != null) {
            for (Map.Entry<String, HostTensor> e : added.entrySet()) {
                String k = e.getKey();
                String inner = k.startsWith("pretrained_model.") ? k.substring("pretrained_model.".length()) : k;
                w.put(inner, matrix(e.getValue())); // BitFit replaces base tensors of the same name
            }
        }
        d = (int) base.get("model.shared.weight").shape()[1];
        vocab = (int) base.get("model.shared.weight").shape()[0];
        int n = 0;
        while (base.containsKey("model.encoder.layers." + n + ".fc1.weight")) n++;
        layers = n;
        String attnMode = ta.path("attn_mode").asText("none");
        String ffnMode = ta.path("ffn_mode").asText("none");
        double alpha = ta.path("lora_alpha").asDouble(0);
        loraAttnScale = attnMode.equals("lora") ? alpha / ta.path("attn_bn").asInt() : 0;
        loraFfnScale = ffnMode.equals("lora") ? alpha / ta.path("ffn_bn").asInt() : 0;
        ffnScale = Double.parseDouble(ta.path("ffn_adapter_scalar").asText("1"));
        ffnOption = ffnMode.equals("adapter") ? ta.path("ffn_option").asText() : "none";
        ffnLn = ta.path("ffn_adapter_layernorm_option").asText("none");
        attnAdapterParallel = attnMode.equals("adapter") && ta.path("attn_option").asText().equals("parallel");
        if (attnMode.startsWith("prefix")) {
            if (!ta.path("attn_option").asText().equals("concat")) {
                throw new IllegalArgumentException("HostBart implements concat prefixes only, not " + ta.path("attn_option").asText());
            }
            buildPrefixes(attnMode.equals("prefix"));
        }
    }

    static HostBart load(Path modelDir, String baseFile, Path added, JsonNode tuneArguments) {
        boolean mbart = modelDir.getFileName().toString().equals("mbart");
        Map<String, HostTensor> a = added != null && Files.exists(added) ? Safetensors.read(added) : null;
        return new HostBart(mbart, Safetensors.read(modelDir.resolve(baseFile)), a, tuneArguments);
    }

    private void buildPrefixes(boolean mlp) {
        String[][] kinds = {{"self", "", "decoder_self_attn"}, {"encoder_decoder", "2", "decoder_cross_attn"}, {"encoder", "_enc", "encoder_attn"}};
        for (String[] k : kinds) {
            if (mlp) {
                double[][] e = w.get("prompt_model.wte" + k[1] + ".weight");
                String ct = "prompt_model.control_trans" + k[1];
                double[][] y = linear(tanh(linear(e, w.get(ct + ".0.weight"), w.get(ct + ".0.bias"))), w.get(ct + ".2.weight"), w.get(ct + ".2.bias"));
                for (int i = 0; i < layers; i++) {
                    prefix.put(k[0] + "/" + i + "/k", cols(y, 2 * i * d, d));
                    prefix.put(k[0] + "/" + i + "/v", cols(y, (2 * i + 1) * d, d));
                }
            } else {
                for (int i = 0; i < layers; i++) {
                    prefix.put(k[0] + "/" + i + "/k", w.get("prompt_model." + k[2] + "_key." + i + ".weight"));
                    prefix.put(k[0] + "/" + i + "/v", w.get("prompt_model." + k[2] + "_value." + i + ".weight"));
                }
            }
        }
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    /** Encoder output of one source, its key mask (prompt rows included) and the cross-attention keys/values per decoder layer. */
    record Encoded(double[][] h, boolean[] keep, double[][][] crossK, double[][][] crossV) {
    }

    Encoded encode(int[] ids, int[] mask) {
        double[][] tok = w.get("model.shared.weight");
        double[][] pos = w.get("model.encoder.embed_positions.weight");
        double scale = mbart ? Math.sqrt(d) : 1;
        double[][] prompt = w.get("model.encoder.ef_prefix_emb.weight");
        int l = prompt == null ? 0 : prompt.length;
        double[][] h = new double[l + ids.length][d];
        boolean[] keep = new boolean[l + ids.length];
        for (int i = 0; i < l; i++) {
            h[i] = prompt[i].clone();
            keep[i] = true;
        }
        for (int t = 0; t < ids.length; t++) {
            for (int j = 0; j < d; j++) h[l + t][j] = scale * tok[ids[t]][j] + pos[t + 2][j];
            keep[l + t] = mask[t] != 0;
        }
        h = ln(h, "model.encoder.layernorm_embedding");
        for (int i = 0; i < layers; i++) {
            String p = "model.encoder.layers." + i;
            if (mbart) {
                double[][] x = ln(h, p + ".self_attn_layer_norm");
                h = add(h, attention(p + ".self_attn", "encoder", i, x, x, keep));
                h = ffnPre(p, h);
            } else {
                h = ln(add(h, attention(p + ".self_attn", "encoder", i, h, h, keep)), p + ".self_attn_layer_norm");
                h = ffnPost(p, h);
            }
        }
        if (mbart) h = ln(h, "model.encoder.layer_norm");
        double[][][] ck = new double[layers][][], cv = new double[layers][][];
        for (int i = 0; i < layers; i++) {
            String p = "model.decoder.layers." + i + ".encoder_attn";
            ck[i] = proj(p + ".k_proj", h, loraAttnScale);
            cv[i] = proj(p + ".v_proj", h, loraAttnScale);
        }
        return new Encoded(h, keep, ck, cv);
    }

    /** Self-attention keys/values of one decoder row, per layer, one entry per position so far. */
    static final class Cache {
        final List<double[]>[] k, v;

        @SuppressWarnings("unchecked")
        Cache(int layers) {
            k = new List[layers];
            v = new List[layers];
            for (int i = 0; i < layers; i++) {
                k[i] = new ArrayList<>();
                v[i] = new ArrayList<>();
            }
        }

        Cache copy() {
            Cache c = new Cache(k.length);
            for (int i = 0; i < k.length; i++) {
                c.k[i].addAll(k[i]);
                c.v[i].addAll(v[i]);
            }
            return c;
        }

        int length() {
            return k[0].size();
        }
    }

    /** Decoder hidden states (after the final LayerNorm for mBART) for a whole decoder sequence. */
    double[][] decode(int[] tokens, Encoded enc) {
        return decode(tokens, enc, new Cache(layers));
    }

    /**
     * Decoder hidden states of {@code tokens}, which continue the positions already in {@code cache}; their
     * keys/values are appended to it (causal: position t sees cached positions and itself).
     */
    double[][] decode(int[] tokens, Encoded enc, Cache cache) {
        int offset = cache.length();
        double[][] tok = w.get("model.shared.weight");
        double[][] pos = w.get("model.decoder.embed_positions.weight");
        double scale = mbart ? Math.sqrt(d) : 1;
        double[][] g = new double[tokens.length][d];
        for (int t = 0; t < tokens.length; t++) for (int j = 0; j < d; j++) g[t][j] = scale * tok[tokens[t]][j] + pos[offset + t + 2][j];
        g = ln(g, "model.decoder.layernorm_embedding");
        for (int i = 0; i < layers; i++) {
            String p = "model.decoder.layers." + i;
            double[][] x = mbart ? ln(g, p + ".self_attn_layer_norm") : g;
            double[][] kn = proj(p + ".self_attn.k_proj", x, loraAttnScale);
            double[][] vn = proj(p + ".self_attn.v_proj", x, loraAttnScale);
            cache.k[i].addAll(List.of(kn));
            cache.v[i].addAll(List.of(vn));
            double[][] keys = cache.k[i].toArray(new double[0][]);
            double[][] vals = cache.v[i].toArray(new double[0][]);
            double[][] sa = module(p + ".self_attn", "self", i, x, keys, vals, null, offset);
            g = mbart ? add(g, sa) : ln(add(g, sa), p + ".self_attn_layer_norm");
            x = mbart ? ln(g, p + ".encoder_attn_layer_norm") : g;
            double[][] ca = module(p + ".encoder_attn", "encoder_decoder", i, x, enc.crossK()[i], enc.crossV()[i], enc.keep(), -1);
            g = mbart ? add(g, ca) : ln(add(g, ca), p + ".encoder_attn_layer_norm");
            g = mbart ? ffnPre(p, g) : ffnPost(p, g);
        }
        if (mbart) g = ln(g, "model.decoder.layer_norm");
        return g;
    }

    double[] logits(double[] hidden) {
        double[][] tok = w.get("model.shared.weight");
        double[] bias = w.get("final_logits_bias")[0];
        double[] out = new double[vocab];
        for (int v = 0; v < vocab; v++) out[v] = dot(hidden, tok[v]) + bias[v];
        return out;
    }

    /** Uncached: every step re-runs the decoder on each row's whole sequence. */
    @Override
    public Session start(int[][] inputIds, int[][] attentionMask, int rowsPerSource) {
        Encoded[] enc = encodeAll(inputIds, attentionMask);
        return (sequences, parents) -> {
            double[][] out = new double[sequences.length][];
            for (int r = 0; r < sequences.length; r++) {
                double[][] g = decode(sequences[r], enc[r / rowsPerSource]);
                out[r] = logits(g[g.length - 1]);
            }
            return out;
        };
    }

    /** Cached: self-attention keys/values per row grow by one position a step and follow {@code parents}. */
    StepModel cached() {
        HostBart self = this;
        return new StepModel() {
            @Override
            public int vocabSize() {
                return vocab;
            }

            @Override
            public Session start(int[][] inputIds, int[][] attentionMask, int rowsPerSource) {
                Encoded[] enc = encodeAll(inputIds, attentionMask);
                Cache[][] caches = {null};
                return (sequences, parents) -> {
                    int rows = sequences.length;
                    Cache[] next = new Cache[rows];
                    double[][] out = new double[rows][];
                    for (int r = 0; r < rows; r++) {
                        int[] seq = sequences[r];
                        next[r] = parents == null ? new Cache(layers) : caches[0][parents[r]].copy();
                        if (next[r].length() != seq.length - 1) throw new IllegalStateException("cache of row " + r + " holds " + next[r].length() + " positions, sequence has " + seq.length);
                        double[][] g = self.decode(new int[]{seq[seq.length - 1]}, enc[r / rowsPerSource], next[r]);
                        out[r] = logits(g[0]);
                    }
                    caches[0] = next;
                    return out;
                };
            }
        };
    }

    private Encoded[] encodeAll(int[][] inputIds, int[][] attentionMask) {
        Encoded[] enc = new Encoded[inputIds.length];
        for (int b = 0; b < inputIds.length; b++) enc[b] = encode(inputIds[b], attentionMask[b]);
        return enc;
    }

    // ---- modules

    /** Bidirectional self-attention over c = x. */
    private double[][] attention(String p, String prefixKind, int layer, double[][] x, double[][] c, boolean[] keep) {
        return module(p, prefixKind, layer, x, proj(p + ".k_proj", c, loraAttnScale), proj(p + ".v_proj", c, loraAttnScale), keep, -1);
    }

    /**
     * One attention module on projected keys/values: prefixes in front, {@code keep} masks keys (null = all),
     * {@code causalOffset} ≥ 0 makes query t see keys up to causalOffset + t.
     */
    private double[][] module(String p, String prefixKind, int layer, double[][] x, double[][] k, double[][] v, boolean[] keep, int causalOffset) {
        double s = Math.pow(d / (double) heads, -0.5);
        double[][] q = scale(proj(p + ".q_proj", x, loraAttnScale), s);
        double[][] pk = prefix.get(prefixKind + "/" + layer + "/k");
        double[][] pv = prefix.get(prefixKind + "/" + layer + "/v");
        int l = pk == null ? 0 : pk.length;
        int hd = d / heads;
        double[][] o = new double[x.length][d];
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < x.length; t++) {
                int keys = l + k.length;
                double[] z = new double[keys];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < keys; j++) {
                    boolean visible = j < l || ((keep == null || keep[j - l]) && (causalOffset < 0 || j - l <= causalOffset + t));
                    if (!visible) {
                        z[j] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double[] kk = j < l ? pk[j] : k[j - l];
                    double acc = 0;
                    for (int e = 0; e < hd; e++) acc += q[t][h * hd + e] * kk[h * hd + e];
                    z[j] = acc;
                    max = Math.max(max, acc);
                }
                double sum = 0;
                for (int j = 0; j < keys; j++) {
                    z[j] = z[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(z[j] - max);
                    sum += z[j];
                }
                for (int j = 0; j < keys; j++) {
                    if (z[j] == 0) continue;
                    double[] vv = j < l ? pv[j] : v[j - l];
                    double a = z[j] / sum;
                    for (int e = 0; e < hd; e++) o[t][h * hd + e] += a * vv[h * hd + e];
                }
            }
        }
        String ad = p + ".ef_attn_adapter";
        boolean adapter = w.containsKey(ad + ".down_proj.weight");
        // the parallel attention adapter reads the module input and adds before the output projection
        boolean parallel = adapter && attnAdapterParallel;
        if (parallel) o = add(o, adapter(ad, x, 1, "in"));
        double[][] y = proj(p + ".out_proj", o, 0);
        if (adapter && !parallel) y = add(y, adapter(ad, y, 1, "in"));
        return y;
    }

    /** BART (post-LN): x is the FFN input (output of the previous LayerNorm). */
    private double[][] ffnPost(String p, double[][] x) {
        double[][] f = ffn(p, x);
        double[][] sum = add(x, f);
        switch (ffnOption) {
            case "sequential" -> sum = add(sum, adapter(p + ".ef_ffn_adapter", f, ffnScale, ffnLn));
            case "parallel" -> sum = add(sum, adapter(p + ".ef_ffn_adapter", x, ffnScale, ffnLn));
            case "none" -> { }
            default -> throw new IllegalArgumentException("BART has no FFN option " + ffnOption);
        }
        return ln(sum, p + ".final_layer_norm");
    }

    /** mBART (pre-LN): h is the residual stream. */
    private double[][] ffnPre(String p, double[][] h) {
        double[][] f = ffn(p, ln(h, p + ".final_layer_norm"));
        double[][] out = add(h, f);
        return switch (ffnOption) {
            case "sequential" -> add(out, adapter(p + ".ef_ffn_adapter", f, ffnScale, ffnLn));
            case "parallel" -> add(out, adapter(p + ".ef_ffn_adapter", h, ffnScale, ffnLn));
            case "pfeiffer" -> add(out, adapter(p + ".ef_ffn_adapter", add(h, f), ffnScale, ffnLn));
            case "none" -> out;
            default -> throw new IllegalArgumentException("unknown FFN option " + ffnOption);
        };
    }

    private double[][] ffn(String p, double[][] x) {
        double[][] a = proj(p + ".fc1", x, loraFfnScale);
        for (double[] r : a) for (int j = 0; j < r.length; j++) r[j] = gelu(r[j]);
        return proj(p + ".fc2", a, loraFfnScale);
    }

    private double[][] adapter(String p, double[][] x, double sigma, String lnOption) {
        double[][] in = lnOption.equals("in") ? ln(x, p + ".adapter_layer_norm_before") : x;
        double[][] hdn = linear(in, w.get(p + ".down_proj.weight"), w.get(p + ".down_proj.bias"));
        for (double[] r : hdn) for (int j = 0; j < r.length; j++) r[j] = Math.max(0, r[j]);
        double[][] u = scale(linear(hdn, w.get(p + ".up_proj.weight"), w.get(p + ".up_proj.bias")), sigma);
        return lnOption.equals("out") ? ln(u, p + ".adapter_layer_norm_before") : u;
    }

    /** x W^T + b, plus LoRA (x A^T B^T)·scale when the linear has LoRA tensors. */
    private double[][] proj(String p, double[][] x, double loraScale) {
        double[][] y = linear(x, w.get(p + ".weight"), w.get(p + ".bias"));
        double[][] a = w.get(p + ".ef_lora_A");
        if (a != null) y = add(y, scale(linear(linear(x, a, null), w.get(p + ".ef_lora_B"), null), loraScale));
        return y;
    }

    private double[][] ln(double[][] x, String p) {
        double[] g = w.get(p + ".weight")[0];
        double[] b = w.get(p + ".bias")[0];
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double mean = 0, var = 0;
            for (double v : x[t]) mean += v;
            mean /= x[t].length;
            for (double v : x[t]) var += (v - mean) * (v - mean);
            var /= x[t].length;
            double inv = 1 / Math.sqrt(var + 1e-5);
            out[t] = new double[x[t].length];
            for (int j = 0; j < x[t].length; j++) out[t][j] = (x[t][j] - mean) * inv * g[j] + b[j];
        }
        return out;
    }

    // ---- arithmetic

    private static double[][] matrix(HostTensor t) {
        long[] s = t.shape();
        int rows = s.length == 2 ? (int) s[0] : 1;
        int cols = s.length == 2 ? (int) s[1] : (int) t.size();
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) m[i][j] = t.data()[i * cols + j];
        return m;
    }

    static double[][] linear(double[][] x, double[][] wt, double[][] b) {
        double[][] y = new double[x.length][wt.length];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < wt.length; o++) y[t][o] = dot(x[t], wt[o]) + (b == null ? 0 : b[0][o]);
        }
        return y;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] out = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) out[i][j] = a[i][j] + b[i][j];
        return out;
    }

    private static double[][] scale(double[][] a, double s) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].clone();
            for (int j = 0; j < out[i].length; j++) out[i][j] *= s;
        }
        return out;
    }

    private static double[][] tanh(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].clone();
            for (int j = 0; j < out[i].length; j++) out[i][j] = Math.tanh(out[i][j]);
        }
        return out;
    }

    private static double[][] cols(double[][] a, int from, int n) {
        double[][] out = new double[a.length][n];
        for (int i = 0; i < a.length; i++) System.arraycopy(a[i], from, out[i], 0, n);
        return out;
    }

    static double gelu(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    /** erf to ~1e-15: Taylor series below 3, the erfc continued fraction above. */
    static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 3) {
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
            double f = ax;
            for (int k = 60; k >= 1; k--) f = ax + (k / 2.0) / f;
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -r : r;
    }
}
