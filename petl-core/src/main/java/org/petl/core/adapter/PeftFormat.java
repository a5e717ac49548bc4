package org.petl.core.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.io.WeightFileException;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Bottleneck;
import org.petl.core.method.Composition;
import org.petl.core.method.Methods;
import org.petl.core.method.Modification;
import org.petl.core.method.Nonlinearity;
import org.petl.core.method.PetlMethod;
import org.petl.core.method.PrefixAttention;
import org.petl.core.method.PrefixSource;
import org.petl.core.site.Site;
import org.petl.core.site.SiteGraph;
import org.petl.core.tensor.HostTensor;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Hugging Face PEFT's adapter format, written and read by its own rules (PEFT 0.6-0.13: {@code LoraConfig},
 * {@code PrefixTuningConfig}, {@code utils/save_and_load.py}):
 * <ul>
 *   <li>LoRA keys are {@code base_model.model.<module path in the transformers class>.lora_A.weight} [r, in] and
 *   {@code lora_B.weight} [out, r] (PEFT strips the adapter name on save and puts it back on load);</li>
 *   <li>{@code target_modules} lists the exact module paths petl adapted (PEFT matches a list entry exactly before
 *   it tries suffixes, so nothing else is wrapped); {@code layers_to_transform} is written when {@code layers=} is
 *   set;</li>
 *   <li>the head is saved under its transformers names, {@code base_model.model.classifier.weight}, and its
 *   modules are listed in {@code modules_to_save} (prompt learning: {@code base_model.classifier.weight}, see
 *   {@link #export});</li>
 *   <li>prefix tuning is one tensor {@code prompt_embeddings} [l, layers·2·d]: per layer i the columns
 *   [2i·d, (2i+1)·d) are the keys and [(2i+1)·d, (2i+2)·d) the values, heads side by side (PEFT views it as
 *   [l, 2·layers, H, d/H] and splits it into past_key_values).</li>
 * </ul>
 * Only fields every PEFT release from 0.6 to 0.13 knows are written: older releases reject unknown keys.
 */
public final class PeftFormat {

    static final String PREFIX = "base_model.model.";
    /** Key prefix of prompt-learning adapters, whose PeftModel.base_model is the transformers model itself. */
    static final String PROMPT_PREFIX = "base_model.";
    static final String PROMPT_EMBEDDINGS = "prompt_embeddings";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftFormat() {
    }

    /** A key of a safetensors file and the graph variable(s) it holds. */
    record Entry(String key, List<String> graphNames, boolean transposed) {
        static Entry of(String key, String graphName, boolean transposed) {
            return new Entry(key, List.of(graphName), transposed);
        }
    }

    /**
     * What a PEFT export holds: adapter_config.json and the keys of adapter_model.safetensors.
     *
     * @param note what PEFT computes differently, or null when it computes exactly what petl does
     */
    record Export(ObjectNode config, List<Entry> entries, String note) {
    }

    // ------------------------------------------------------------------ export

    /** Why PEFT cannot express this method on this graph, or null when it can. */
    static String unsupported(AppliedMethod applied) {
        PetlMethod m = applied.method();
        if (applied.graph().hfLayout().isEmpty()) return "the model has no transformers equivalent petl knows";
        if (m.fullFineTuning()) return "full fine-tuning is not an adapter";
        if (m.modifications().isEmpty()) return "method '" + m.spec() + "' adds nothing for PEFT to load";
        Prefix prefix = prefix(applied);
        if (prefix != null) return prefix.refusal();
        List<String> reasons = new ArrayList<>();
        Set<String> modules = new TreeSet<>();
        Double r = null, s = null;
        for (Modification mod : m.modifications()) {
            if (!(mod instanceof Modification.Delta d) || !AdapterFiles.isLora(d)) {
                reasons.add("'" + mod.name() + "' is not LoRA or prefix tuning");
                continue;
            }
            Bottleneck b = (Bottleneck) d.form();
            double sd = ((Composition.Scaled) d.composition()).s();
            if (r != null && (r != b.r() || s != sd)) reasons.add("LoRA parts with different r or s need PEFT's rank_pattern");
            r = (double) b.r();
            s = sd;
            for (Site site : d.at().sites(applied.graph())) {
                if (!modules.add(applied.graph().moduleName(site))) reasons.add(site + " carries two LoRA updates");
            }
        }
        return reasons.isEmpty() ? null : String.join("; ", new TreeSet<>(reasons));
    }

    /**
     * A method that is prefix tuning and nothing else: softmax prefix attention (scaled, no query norm, gated or
     * concatenated) and optionally the {@link Modification.PositionShift} of {@code positions=shifted}.
     *
     * @param refusal null when PEFT's PREFIX_TUNING expresses it (see {@link #prefix}), else why not and what to use
     * @param shifted the real tokens are numbered from l, as PEFT's forward numbers them
     */
    record Prefix(Modification.Delta part, PrefixAttention form, boolean shifted, String refusal) {
    }

    /**
     * Null when the method is not prefix tuning alone. PEFT hands its table to the model as past_key_values
     * ({@code peft_model.py} get_prompt); what the model does with them decides what PEFT computes:
     * <ul>
     *   <li>BERT/RoBERTa: every encoder self-attention attends over [P_k^(i); K], the real tokens numbered from l.
     *   Any petl prefix at every encoder self-attention exports (its tables side by side); without
     *   {@code positions=shifted} PEFT's outputs differ from petl's by the position shift, and the export says so;</li>
     *   <li>BART/mBART (SEQ_2_SEQ_LM, two submodules): only the decoder's self-attention keeps its prefix (the
     *   encoder gets none; BartAttention drops cross-attention past key/values whose length is not the source
     *   length), decoder layer j reads pair 2j mod L of the table, the decoder tokens are numbered from l. Only
     *   {@code places=decoder,tables=peft,positions=shifted} is that, so nothing else exports.</li>
     * </ul>
     */
    static Prefix prefix(AppliedMethod applied) {
        PetlMethod m = applied.method();
        List<Modification> mods = m.modifications();
        if (mods.isEmpty() || mods.size() > 2 || !(mods.get(0) instanceof Modification.Delta d)) return null;
        if (!(d.form() instanceof PrefixAttention p) || p.act() != Nonlinearity.SOFTMAX || !p.scaled() || p.normQuery()) return null;
        if (!(d.composition() instanceof Composition.Gated)) return null;
        Modification.PositionShift shift = null;
        if (mods.size() == 2) {
            if (!(mods.get(1) instanceof Modification.PositionShift ps) || ps.l() != p.l()) return null;
            shift = ps;
        }
        SiteGraph g = applied.graph();
        Site.Stack stack = PrefixSource.PeftTable.stack(g);
        List<Site> sites = d.at().sites(g);
        boolean everySelf = sites.size() == g.layers(stack) && sites.stream().allMatch(x -> x.stack() == stack && x.module() == Site.Module.SELF_ATTN);
        boolean shifted = shift != null && shift.stacks().contains(stack);
        if (stack == Site.Stack.ENCODER) {
            return new Prefix(d, p, shifted, everySelf ? null
                    : "PEFT's prefix reaches all " + g.layers(stack) + " self-attentions of the encoder, this one " + sites.size() + " (no layers=)");
        }
        String use = "; for a PEFT export train prefix:mid=0,places=decoder,tables=peft,positions=shifted";
        String why = null;
        if (!everySelf) why = "PEFT's PREFIX_TUNING on " + g.hfLayout().map(HfLayout::modelType).orElse("BART") + " prefixes only the decoder's self-attention (no encoder prefix; transformers drops the cross-attention one)";
        else if (!(p.source() instanceof PrefixSource.PeftTable)) why = "PEFT shares one prompt_embeddings table between decoder layers (layer j reads pair 2j mod num_layers)";
        else if (!shifted || shift.stacks().contains(Site.Stack.ENCODER)) why = "PEFT numbers the decoder's tokens from l and the encoder's from 0";
        return new Prefix(d, p, shifted, why == null ? null : why + use);
    }

    static Export export(AppliedMethod applied, String baseModel) {
        SiteGraph g = applied.graph();
        HfLayout layout = g.hfLayout().orElseThrow();
        ObjectNode cfg = JSON.createObjectNode();
        List<Entry> entries = new ArrayList<>();
        Prefix prefix = prefix(applied);
        String note = null;
        if (prefix != null) {
            Modification.Delta d = prefix.part();
            PrefixAttention p = prefix.form();
            if (p.source() instanceof PrefixSource.PeftTable) {
                entries.add(Entry.of(PROMPT_EMBEDDINGS, PrefixAttention.peftTableName(d.name()), false));
            } else {
                // an encoder's own tables, layer by layer: pair i of PEFT's table
                List<String> parts = new ArrayList<>();
                for (Site site : d.at().sites(g)) {
                    String scope = d.name() + "." + site.name();
                    parts.add(scope + ".key");
                    parts.add(scope + ".value");
                }
                entries.add(new Entry(PROMPT_EMBEDDINGS, parts, false));
            }
            if (!prefix.shifted()) {
                note = "PEFT's prefix forward on " + layout.modelType() + " numbers the real tokens from l (past_key_values_length) and ignores "
                        + "position_ids; this prefix numbers them from 0, so PEFT's outputs differ from petl's by that shift (train with positions=shifted for an exact export)";
            }
            cfg.put("peft_type", "PREFIX_TUNING");
            common(cfg, layout, baseModel);
            // _prepare_prompt_learning_config's values for this model: num_hidden_layers (BART: encoder_layers),
            // hidden_size / d_model, num_attention_heads / encoder_attention_heads; _setup_prompt_encoder's submodules
            cfg.put("num_virtual_tokens", p.l());
            cfg.put("token_dim", g.hidden());
            cfg.put("num_transformer_submodules", PrefixSource.PeftTable.submodules(g));
            cfg.put("num_attention_heads", g.heads());
            cfg.put("num_layers", PrefixSource.PeftTable.layers(g));
            cfg.put("encoder_hidden_size", g.hidden());
            cfg.put("prefix_projection", false);
        } else {
            Set<String> targets = new TreeSet<>();
            Set<Integer> layers = new TreeSet<>();
            boolean allLayersSet = true;
            int r = 0;
            double s = 0;
            for (Modification mod : applied.method().modifications()) {
                Modification.Delta d = (Modification.Delta) mod;
                r = ((Bottleneck) d.form()).r();
                s = ((Composition.Scaled) d.composition()).s();
                allLayersSet &= !d.at().layers().isEmpty();
                layers.addAll(d.at().layers());
                for (Site site : d.at().sites(g)) {
                    String path = layout.modulePath(g.moduleName(site));
                    targets.add(path);
                    String scope = d.name() + "." + site.name();
                    entries.add(Entry.of(PREFIX + path + ".lora_A.weight", scope + ".down.weight", true));
                    entries.add(Entry.of(PREFIX + path + ".lora_B.weight", scope + ".up.weight", true));
                }
            }
            cfg.put("peft_type", "LORA");
            common(cfg, layout, baseModel);
            cfg.put("r", r);
            double alpha = s * r;
            if (alpha == Math.rint(alpha)) cfg.put("lora_alpha", (long) alpha);
            else cfg.put("lora_alpha", alpha);
            cfg.put("lora_dropout", 0.0);
            cfg.put("fan_in_fan_out", false);
            cfg.put("bias", "none");
            targets.forEach(cfg.putArray("target_modules")::add);
            if (allLayersSet) layers.forEach(cfg.putArray("layers_to_transform")::add);
            else cfg.putNull("layers_to_transform");
            cfg.putNull("layers_pattern");
            cfg.put("init_lora_weights", true);
        }
        boolean prompt = cfg.path("peft_type").asText().equals("PREFIX_TUNING");
        if (layout.headMaps() && !layout.headModules().isEmpty()) {
            // LoRA: PeftModel.base_model is a LoraModel around the transformers model (keys base_model.model.*), and
            // the head modules are listed. Prompt learning: base_model is the transformers model itself (keys
            // base_model.*); PrefixTuningConfig has no modules_to_save, PeftModelForSequenceClassification adds the
            // classifier by itself, and the pooler's keys load straight into the base model's pooler.
            if (!prompt) layout.headModules().forEach(cfg.putArray("modules_to_save")::add);
            for (Map.Entry<String, String> h : layout.headNames().entrySet()) {
                entries.add(Entry.of((prompt ? PROMPT_PREFIX : PREFIX) + h.getValue(), h.getKey(), g.sameDiff().getArrForVarName(h.getKey()).rank() == 2));
            }
        } else if (!prompt) {
            cfg.putNull("modules_to_save");
        }
        return new Export(cfg, entries, note);
    }

    private static void common(ObjectNode cfg, HfLayout layout, String baseModel) {
        cfg.put("task_type", layout.taskType());
        cfg.put("base_model_name_or_path", baseModel);
        cfg.putNull("revision");
        cfg.put("inference_mode", true);
    }

    // ------------------------------------------------------------------ import

    /** A PEFT folder turned into a petl method plus preset values (graph layout) and head values. */
    record Imported(PetlMethod method, Map<String, INDArray> added, Map<String, INDArray> base) {
    }

    /**
     * Reads a folder PEFT wrote (adapter_config.json without petl's fields) onto {@code g}, by PEFT's rules only.
     */
    static Imported read(JsonNode cfg, Map<String, HostTensor> tensors, SiteGraph g, String where) {
        String type = cfg.path("peft_type").asText("");
        HfLayout layout = g.hfLayout().orElseThrow(() -> new WeightFileException(where + ": this model has no transformers layout to read PEFT keys against"));
        Map<String, INDArray> base = new LinkedHashMap<>();
        Map<String, HostTensor> rest = new LinkedHashMap<>(tensors);
        readHead(rest, layout, g, base, where);
        return switch (type) {
            case "LORA" -> readLora(cfg, rest, g, layout, base, where);
            case "PREFIX_TUNING" -> readPrefix(cfg, rest, g, base, where);
            case "" -> throw new WeightFileException(where + ": adapter_config.json has no peft_type");
            default -> throw new WeightFileException(where + ": peft_type " + type + " is not supported (petl reads LORA and PREFIX_TUNING)");
        };
    }

    private static void readHead(Map<String, HostTensor> rest, HfLayout layout, SiteGraph g, Map<String, INDArray> base, String where) {
        Map<String, String> byHf = new LinkedHashMap<>();
        layout.headNames().forEach((graph, hf) -> {
            byHf.put(PREFIX + hf, graph);
            byHf.put(PROMPT_PREFIX + hf, graph);
        });
        for (String key : List.copyOf(rest.keySet())) {
            String graph = byHf.get(key);
            String bare = key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key.startsWith(PROMPT_PREFIX) ? key.substring(PROMPT_PREFIX.length()) : key;
            boolean looksLikeHead = bare.startsWith("classifier.") || bare.startsWith("score.") || bare.contains("pooler.");
            if (graph == null && looksLikeHead) {
                throw new WeightFileException(where + ": tensor '" + key + "' is a transformers head, this model's head is "
                        + (layout.headNames().isEmpty() ? "petl's own (use --head hf)" : "named " + layout.headNames().values()));
            }
            if (graph == null) continue;
            HostTensor t = rest.remove(key);
            INDArray v = Nd4j.create(t.data(), t.shape(), 'c');
            if (t.rank() == 2) v = v.transpose().dup('c');
            base.put(graph, v);
        }
        if (!layout.headNames().isEmpty() && base.size() != layout.headNames().size()) {
            List<String> missing = layout.headNames().entrySet().stream().filter(e -> !base.containsKey(e.getKey())).map(e -> PREFIX + e.getValue()).toList();
            throw new WeightFileException(where + ": the head tensors " + missing + " are missing (PEFT saves modules_to_save with the adapter)");
        }
    }

    private static Imported readLora(JsonNode cfg, Map<String, HostTensor> tensors, SiteGraph g, HfLayout layout, Map<String, INDArray> base, String where) {
        if (cfg.path("use_dora").asBoolean(false)) throw new WeightFileException(where + ": DoRA (use_dora) is not supported");
        if (cfg.path("fan_in_fan_out").asBoolean(false)) throw new WeightFileException(where + ": fan_in_fan_out=true is for Conv1D models, not this one");
        String bias = cfg.path("bias").asText("none");
        if (!bias.equals("none")) throw new WeightFileException(where + ": bias='" + bias + "' is not supported (petl reads bias='none')");
        for (String pattern : new String[]{"rank_pattern", "alpha_pattern"}) {
            if (cfg.path(pattern).isObject() && !cfg.path(pattern).isEmpty()) throw new WeightFileException(where + ": " + pattern + " is not supported (one r and alpha for all modules)");
        }
        int r = cfg.path("r").asInt(0);
        if (r <= 0) throw new WeightFileException(where + ": r must be a positive integer");
        double alpha = cfg.path("lora_alpha").asDouble(r);
        double s = cfg.path("use_rslora").asBoolean(false) ? alpha / Math.sqrt(r) : alpha / r;
        // every projection of the graph, by its module path with and without the class prefix
        Map<String, Site> byPath = new LinkedHashMap<>();
        for (Site site : g.sites()) {
            String module;
            try {
                module = g.moduleName(site);
            } catch (IllegalArgumentException notAProjection) {
                continue;
            }
            byPath.put(module, site);
        }
        String typePrefix = layout.modelType() + ".";
        Map<Site, HostTensor[]> found = new TreeMap<>(java.util.Comparator.comparing(Site::name));
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            String key = e.getKey();
            int which = key.endsWith(".lora_A.weight") ? 0 : key.endsWith(".lora_B.weight") ? 1 : -1;
            if (which < 0 || !key.startsWith(PREFIX)) throw new WeightFileException(where + ": unexpected tensor '" + key + "' for a LoRA adapter");
            String path = key.substring(PREFIX.length(), key.length() - ".lora_A.weight".length());
            if (path.startsWith(typePrefix)) path = path.substring(typePrefix.length());
            Site site = byPath.get(path);
            if (site == null) throw new WeightFileException(where + ": tensor '" + key + "' names no projection of this model");
            found.computeIfAbsent(site, x -> new HostTensor[2])[which] = e.getValue();
        }
        if (found.isEmpty()) throw new WeightFileException(where + ": no LoRA tensors");
        Map<String, INDArray> added = new LinkedHashMap<>();
        EnumSet<Site.Point> attnPoints = EnumSet.noneOf(Site.Point.class);
        Map<String, Set<Integer>> layersByPart = new LinkedHashMap<>();
        Map<Integer, Set<Site.Point>> attnByLayer = new TreeMap<>(), ffnByLayer = new TreeMap<>();
        for (Map.Entry<Site, HostTensor[]> e : found.entrySet()) {
            Site site = e.getKey();
            HostTensor a = e.getValue()[0], b = e.getValue()[1];
            if (a == null || b == null) throw new WeightFileException(where + ": " + g.moduleName(site) + " has lora_" + (a == null ? "B but no lora_A" : "A but no lora_B"));
            if (a.rank() != 2 || b.rank() != 2 || a.shape()[0] != r || b.shape()[1] != r) {
                throw new WeightFileException(where + ": " + g.moduleName(site) + ": lora_A " + a.shapeString() + " / lora_B " + b.shapeString() + " do not have rank r=" + r);
            }
            boolean ffn = site.module() == Site.Module.FFN;
            if (!ffn && !site.isAttention()) throw new WeightFileException(where + ": LoRA on " + site + " is not supported");
            String part = ffn ? "lora_ffn" : "lora";
            (ffn ? ffnByLayer : attnByLayer).computeIfAbsent(site.layer(), x -> EnumSet.noneOf(Site.Point.class)).add(site.point());
            if (!ffn) attnPoints.add(site.point());
            layersByPart.computeIfAbsent(part, x -> new TreeSet<>()).add(site.layer());
            String scope = part + "." + site.name();
            added.put(scope + ".down.weight", Nd4j.create(a.data(), a.shape(), 'c').transpose().dup('c'));
            added.put(scope + ".up.weight", Nd4j.create(b.data(), b.shape(), 'c').transpose().dup('c'));
        }
        for (Map.Entry<Integer, Set<Site.Point>> e : attnByLayer.entrySet()) {
            if (!e.getValue().equals(attnPoints)) {
                throw new WeightFileException(where + ": layer " + e.getKey() + " adapts " + e.getValue() + " but other layers " + attnPoints
                        + " (petl needs the same attention targets on every adapted layer)");
            }
        }
        for (Map.Entry<Integer, Set<Site.Point>> e : ffnByLayer.entrySet()) {
            if (e.getValue().size() != 2) throw new WeightFileException(where + ": layer " + e.getKey() + " adapts only one FFN projection (petl's targets=ffn adapts both)");
        }
        List<String> specs = new ArrayList<>();
        String num = "r=" + r + ",s=" + s;
        if (!attnPoints.isEmpty()) {
            String t = String.join(",", attnPoints.stream().map(p -> switch (p) {
                case Q -> "q";
                case K -> "k";
                case V -> "v";
                case OUTPUT -> "o";
                default -> throw new WeightFileException(where + ": LoRA on attention point " + p + " is not supported");
            }).toList());
            specs.add("lora:" + num + ",targets=" + t + layers(layersByPart.get("lora"), g));
        }
        if (!ffnByLayer.isEmpty()) specs.add("lora:" + num + ",targets=ffn,name=lora_ffn" + layers(layersByPart.get("lora_ffn"), g));
        PetlMethod method = Methods.parse(String.join("+", specs));
        // petl's targets act on every attention of every stack (BART: encoder, decoder and cross-attention alike):
        // the folder must adapt exactly what the spec does, or the import would add or drop updates
        Set<String> spec = new TreeSet<>(), folder = new TreeSet<>();
        for (Modification mod : method.modifications()) {
            try {
                for (Site x : ((Modification.Delta) mod).at().sites(g)) spec.add(g.moduleName(x));
            } catch (org.petl.core.method.MethodSpecException e) {
                throw new WeightFileException(where + ": " + e.getMessage());
            }
        }
        for (Site x : found.keySet()) folder.add(g.moduleName(x));
        if (!spec.equals(folder)) {
            Set<String> missing = new TreeSet<>(spec), extra = new TreeSet<>(folder);
            missing.removeAll(folder);
            extra.removeAll(spec);
            String which = !missing.isEmpty() ? "lacks " + first(missing) : "also adapts " + first(extra);
            throw new WeightFileException(where + ": the folder's LoRA modules are no petl lora spec: '" + method.spec() + "' adapts the same points of every "
                    + "attention of every stack, the folder " + which);
        }
        return new Imported(method, added, base);
    }

    private static String first(Set<String> names) {
        return names.iterator().next() + (names.size() > 1 ? " (and " + (names.size() - 1) + " more)" : "");
    }

    /** The {@code layers=} of a spec: none when every layer of every stack is adapted. */
    private static String layers(Set<Integer> layers, SiteGraph g) {
        int all = Math.max(g.layers(Site.Stack.ENCODER), g.layers(Site.Stack.DECODER));
        if (layers.size() == all) return "";
        return ",layers=" + String.join(";", layers.stream().map(String::valueOf).toList());
    }

    /**
     * PEFT's table as PEFT's forward uses it: {@code prefix:tables=peft,positions=shifted} (the decoder's
     * self-attention, {@code places=decoder}, on encoder-decoders), so the outputs are PEFT's.
     */
    private static Imported readPrefix(JsonNode cfg, Map<String, HostTensor> tensors, SiteGraph g, Map<String, INDArray> base, String where) {
        int l = cfg.path("num_virtual_tokens").asInt(0), layers = PrefixSource.PeftTable.layers(g), d = g.hidden();
        if (l <= 0) throw new WeightFileException(where + ": num_virtual_tokens must be positive");
        int submodules = PrefixSource.PeftTable.submodules(g);
        JsonNode sub = cfg.path("num_transformer_submodules");
        // _setup_prompt_encoder: an unset count is 2 for SEQ_2_SEQ_LM, else 1
        int given = sub.isIntegralNumber() ? sub.asInt() : cfg.path("task_type").asText("").equals("SEQ_2_SEQ_LM") ? 2 : 1;
        if (given != submodules) {
            throw new WeightFileException(where + ": num_transformer_submodules=" + given + ", petl reads " + submodules + " on "
                    + (submodules == 2 ? "an encoder-decoder (task_type SEQ_2_SEQ_LM)" : "an encoder"));
        }
        check(cfg, "num_layers", layers, where);
        check(cfg, "token_dim", d, where);
        check(cfg, "num_attention_heads", g.heads(), where);
        HostTensor p = tensors.remove(PROMPT_EMBEDDINGS);
        if (p == null) throw new WeightFileException(where + ": no prompt_embeddings tensor");
        if (!tensors.isEmpty()) throw new WeightFileException(where + ": unexpected tensors " + tensors.keySet() + " for a prefix-tuning adapter");
        if (!p.sameShape(l, 2L * layers * d)) {
            throw new WeightFileException(where + ": prompt_embeddings has shape " + p.shapeString() + ", expected [" + l + ", " + (2L * layers * d)
                    + "] (num_virtual_tokens, num_layers·2·token_dim)");
        }
        Map<String, INDArray> added = new LinkedHashMap<>();
        added.put(PrefixAttention.peftTableName("prefix"), Nd4j.create(p.data(), p.shape(), 'c'));
        String spec = "prefix:l=" + l + (submodules == 2 ? ",places=decoder" : "") + ",positions=shifted,tables=peft";
        return new Imported(Methods.parse(spec), added, base);
    }

    private static void check(JsonNode cfg, String field, int expected, String where) {
        if (cfg.has(field) && !cfg.path(field).isNull() && cfg.path(field).asInt() != expected) {
            throw new WeightFileException(where + ": " + field + "=" + cfg.path(field).asInt() + ", this model has " + expected);
        }
    }
}
