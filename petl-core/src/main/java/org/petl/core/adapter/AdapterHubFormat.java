package org.petl.core.adapter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.core.io.AtomicFiles;
import org.petl.core.io.Safetensors;
import org.petl.core.io.WeightFileException;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Bottleneck;
import org.petl.core.method.Composition;
import org.petl.core.method.Insertion;
import org.petl.core.method.Modification;
import org.petl.core.method.PrefixAttention;
import org.petl.core.site.Site;
import org.petl.core.site.SiteGraph;
import org.petl.core.tensor.HostTensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * AdapterHub's ({@code adapters} library) saved-adapter layout for bottleneck adapters on BERT/RoBERTa, by its
 * own rules (read in {@code methods/modeling.py}, {@code methods/bottleneck.py}, {@code models/bert/mixin_bert.py},
 * {@code configuration/adapter_config.py}, {@code loading.py}):
 * <ul>
 *   <li>{@code adapter_config.json} = {@code {"config": {BnConfig fields}, "hidden_size", "model_class",
 *   "model_name", "model_type", "name", "version"}};</li>
 *   <li>{@code adapter.safetensors} (its SAFE_WEIGHTS_NAME) with keys
 *   {@code bert.encoder.layer.i.attention.output.adapters.NAME.adapter_down.0.weight} [r, d] (mh_adapter) and
 *   {@code bert.encoder.layer.i.output.adapters.NAME.adapter_up.weight} [d, r] (output_adapter), biases beside;</li>
 *   <li>the head, when it is transformers' ({@code --head hf}), as a two-layer classification head
 *   ({@code head_config.json} + {@code model_head.safetensors}, keys {@code heads.NAME.1.*} and
 *   {@code heads.NAME.4.*}): CLS → Linear → tanh → Linear, which is BERT's pooler + classifier and RoBERTa's
 *   classifier.dense + out_proj.</li>
 * </ul>
 * The functions match petl's: sequential (Houlsby) = {@code original_ln_before: false, residual_before_ln: true}
 * (h + f(h), then the layer's LayerNorm with x); Pfeiffer = {@code original_ln_before: true} (f reads LN(h + x),
 * residual h); parallel = {@code is_parallel: true} (f reads the sub-layer input x, scaled by {@code scaling}).
 */
public final class AdapterHubFormat {

    public static final String CONFIG = "adapter_config.json", WEIGHTS = "adapter.safetensors";
    public static final String HEAD_CONFIG = "head_config.json", HEAD_WEIGHTS = "model_head.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdapterHubFormat() {
    }

    /** What was written: the adapter's name and what a user must know. */
    public record Written(String name, List<String> notes) {
    }

    public static Written save(AppliedMethod applied, Path dir, List<String> labels) {
        SiteGraph g = applied.graph();
        HfLayout layout = g.hfLayout().filter(l -> l.modelType().equals("bert") || l.modelType().equals("roberta"))
                .orElseThrow(() -> new IllegalArgumentException("AdapterHub export is written for BERT and RoBERTa encoders"));
        String prefix = layout.modelType() + ".";
        List<String> notes = new ArrayList<>();
        List<Modification.Delta> parts = new ArrayList<>();
        for (Modification m : applied.method().modifications()) {
            if (m instanceof Modification.Delta d && d.form() instanceof PrefixAttention && applied.method().spec().startsWith("mam")) {
                notes.add("MAM's prefix part ('" + d.name() + "') is not in this folder: AdapterHub's prefix tuning stores its own MLP, petl "
                        + "stores plain prefixes; the folder holds MAM's FFN part (a scaled parallel adapter), the petl folder holds both");
                continue;
            }
            if (!(m instanceof Modification.Delta d) || !(d.form() instanceof Bottleneck b) || !b.bias() || b.layerNorm() != Bottleneck.LayerNormPlacement.NONE
                    || b.innerScale() != 1.0 || AdapterFiles.isLora(d)) {
                throw new IllegalArgumentException("method '" + applied.method().spec() + "': '" + m.name() + "' is not a bottleneck adapter AdapterHub "
                        + "expresses (Houlsby, Pfeiffer, parallel, scaled parallel, MAM's FFN part); LoRA and prefix tuning export with --format peft");
            }
            parts.add(d);
        }
        if (parts.isEmpty()) throw new IllegalArgumentException("method '" + applied.method().spec() + "' has no bottleneck adapter to export");
        Modification.Delta first = parts.get(0);
        Bottleneck b0 = (Bottleneck) first.form();
        double scaling = scaling(first);
        boolean mh = false, out = false;
        TreeSet<Integer> layers = new TreeSet<>();
        for (Modification.Delta d : parts) {
            Bottleneck b = (Bottleneck) d.form();
            if (b.r() != b0.r() || b.act() != b0.act() || d.insertion() != first.insertion() || scaling(d) != scaling) {
                throw new IllegalArgumentException("method '" + applied.method().spec() + "': its adapters differ in r, activation, insertion or scale; "
                        + "one AdapterHub config cannot hold them");
            }
            for (Site s : d.at().sites(g)) {
                if (s.point() != Site.Point.OUTPUT || (s.module() != Site.Module.FFN && s.module() != Site.Module.SELF_ATTN)) {
                    throw new IllegalArgumentException("AdapterHub adapters sit at the attention output or the FFN output, not at " + s);
                }
                if (s.module() == Site.Module.FFN) out = true;
                else mh = true;
                layers.add(s.layer());
            }
        }
        boolean pfeiffer = first.insertion() == Insertion.POST_NORM, parallel = first.insertion() == Insertion.PARALLEL;
        if (!pfeiffer && !parallel && first.insertion() != Insertion.SEQUENTIAL) {
            throw new IllegalArgumentException("AdapterHub has no " + first.insertion().name().toLowerCase() + " insertion");
        }
        if (pfeiffer && mh) throw new IllegalArgumentException("a post-norm adapter at the attention output has no AdapterHub config");
        double reduction = (double) g.hidden() / b0.r();
        if (Math.floor(g.hidden() / reduction) != b0.r()) {
            throw new IllegalArgumentException("r=" + b0.r() + " is not reachable as hidden // reduction_factor in AdapterHub (hidden " + g.hidden() + ")");
        }
        String name = applied.method().spec().replaceAll("[^A-Za-z0-9_]+", "_");

        ObjectNode c = JSON.createObjectNode();
        c.put("architecture", "bottleneck");
        c.put("mh_adapter", mh);
        c.put("output_adapter", out);
        c.put("reduction_factor", reduction);
        c.put("non_linearity", b0.act().name().toLowerCase());
        c.put("original_ln_before", pfeiffer);
        c.put("original_ln_after", true);
        c.put("ln_before", false);
        c.put("ln_after", false);
        c.put("init_weights", parallel ? "mam_adapter" : "bert");
        c.put("is_parallel", parallel);
        c.put("scaling", scaling);
        c.put("use_gating", false);
        c.put("residual_before_ln", true);
        c.put("adapter_residual_before_ln", false);
        c.putNull("inv_adapter");
        c.putNull("inv_adapter_reduction_factor");
        c.put("cross_adapter", false);
        var leaveOut = c.putArray("leave_out");
        for (int i = 0; i < g.layers(Site.Stack.ENCODER); i++) if (!layers.contains(i)) leaveOut.add(i);
        c.put("dropout", 0.0);
        c.put("phm_layer", false);
        c.put("stochastic_depth", 0.0);

        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        for (Modification.Delta d : parts) {
            for (Site s : d.at().sites(g)) {
                String scope = d.name() + "." + s.name();
                String module = prefix + "encoder.layer." + s.layer() + (s.module() == Site.Module.FFN ? ".output" : ".attention.output") + ".adapters." + name + ".";
                tensors.put(module + "adapter_down.0.weight", host(g, scope + ".down.weight", true));
                tensors.put(module + "adapter_down.0.bias", host(g, scope + ".down.bias", false));
                tensors.put(module + "adapter_up.weight", host(g, scope + ".up.weight", true));
                tensors.put(module + "adapter_up.bias", host(g, scope + ".up.bias", false));
            }
        }
        try {
            Files.createDirectories(dir);
            Safetensors.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
            AtomicFiles.writeString(dir.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(wrap(c, g, layout, name)));
            if (layout.headMaps() && !layout.headNames().isEmpty()) writeHead(g, layout, name, labels, dir);
            else notes.add(layout.headNote() == null ? "no head to export" : layout.headNote() + "; no AdapterHub head written");
        } catch (IOException e) {
            throw new WeightFileException(dir + ": cannot write the AdapterHub adapter (" + e.getMessage() + ")");
        }
        return new Written(name, List.copyOf(notes));
    }

    private static double scaling(Modification.Delta d) {
        Composition c = d.composition();
        if (c instanceof Composition.Add) return 1.0;
        if (c instanceof Composition.Scaled s) return s.s();
        if (c instanceof Composition.LearnedScale) {
            throw new IllegalArgumentException("a learned scale is not exported (AdapterHub's 'learned' scaling is a parameter petl does not map)");
        }
        throw new IllegalArgumentException("composition '" + Composition.describe(c) + "' has no AdapterHub config");
    }

    private static ObjectNode wrap(ObjectNode config, SiteGraph g, HfLayout layout, String name) {
        ObjectNode o = JSON.createObjectNode();
        o.set("config", config);
        o.put("hidden_size", g.hidden());
        o.put("model_class", layout.modelType().equals("bert") ? "BertAdapterModel" : "RobertaAdapterModel");
        o.putNull("model_name");
        o.put("model_type", layout.modelType());
        o.put("name", name);
        o.put("version", "adapters.1.0.0");
        return o;
    }

    /** transformers' head as AdapterHub's ClassificationHead: [dropout, Linear, tanh, dropout, Linear] on CLS. */
    private static void writeHead(SiteGraph g, HfLayout layout, String name, List<String> labels, Path dir) throws IOException {
        boolean bert = layout.modelType().equals("bert");
        String hidden = bert ? "pooler.dense" : "classifier.dense", output = bert ? "classifier" : "classifier.out_proj";
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("heads." + name + ".1.weight", host(g, hidden + ".weight", true));
        t.put("heads." + name + ".1.bias", host(g, hidden + ".bias", false));
        t.put("heads." + name + ".4.weight", host(g, output + ".weight", true));
        t.put("heads." + name + ".4.bias", host(g, output + ".bias", false));
        int numLabels = (int) t.get("heads." + name + ".4.bias").shape()[0];
        ObjectNode c = JSON.createObjectNode();
        c.put("head_type", "classification");
        c.put("num_labels", numLabels);
        c.put("layers", 2);
        c.put("activation_function", "tanh");
        ObjectNode l2i = c.putObject("label2id");
        for (int i = 0; i < numLabels; i++) l2i.put(i < labels.size() ? labels.get(i) : "LABEL_" + i, i);
        c.put("use_pooler", false);
        c.put("bias", true);
        Safetensors.write(dir.resolve(HEAD_WEIGHTS), t, Map.of("format", "pt"));
        AtomicFiles.writeString(dir.resolve(HEAD_CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(wrap(c, g, layout, name)));
    }

    private static HostTensor host(SiteGraph g, String name, boolean transpose) {
        INDArray v = g.sameDiff().getArrForVarName(name);
        if (v == null) throw new IllegalStateException("no graph variable '" + name + "'");
        INDArray a = transpose ? v.transpose() : v;
        return new HostTensor(a.shape(), a.dup('c').castTo(DataType.FLOAT).data().asFloat());
    }
}
