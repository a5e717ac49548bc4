package org.petl.core.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.io.AtomicFiles;
import org.petl.core.io.Safetensors;
import org.petl.core.io.WeightFileException;
import org.petl.core.method.AddedParameter;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Bottleneck;
import org.petl.core.method.Insertion;
import org.petl.core.method.Methods;
import org.petl.core.method.Modification;
import org.petl.core.method.PetlMethod;
import org.petl.core.site.Site;
import org.petl.core.site.SiteGraph;
import org.petl.core.tensor.HostTensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves and loads only what a method added (plus the task head and unfrozen base biases, like PEFT's
 * modules_to_save). A folder holds:
 * <ul>
 *   <li>{@code petl_config.json}: petl's own fields (method spec, base architecture, head, and for every tensor of
 *   every file the graph variable(s) it holds and whether it is stored transposed);</li>
 *   <li>{@code adapter_model.safetensors};</li>
 *   <li>{@code adapter_config.json} only when Hugging Face PEFT expresses the method (LoRA, prefix tuning): then
 *   the folder is exactly what PEFT writes ({@link PeftFormat}) and loads with no edits, and tensors PEFT has no
 *   place for (petl's own head) go to {@code petl_extra.safetensors}.</li>
 * </ul>
 * Linear weights are written PyTorch-style [out, in]. Folders PEFT wrote (no petl_config.json) are read by PEFT's
 * rules; folders of earlier petl versions (petl's fields inside adapter_config.json) still load.
 */
public final class AdapterFiles {

    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    public static final String PETL_CONFIG = "petl_config.json";
    public static final String EXTRA = "petl_extra.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdapterFiles() {
    }

    /** What a loaded adapter gives: the method to re-apply, and its tensors by graph name in graph layout. */
    public record Loaded(PetlMethod method, String baseModel, Map<String, INDArray> added, Map<String, INDArray> base) {
    }

    /**
     * What {@link #save} wrote.
     *
     * @param peftType LORA or PREFIX_TUNING when the folder is a PEFT adapter, null for a petl-only folder
     * @param notes    what a user must know (why it is petl-only, what PEFT does differently)
     */
    public record Written(String peftType, List<String> notes) {
    }

    /** Why PEFT cannot express the applied method, or null when it can (LoRA, prefix tuning). */
    public static String peftUnsupported(AppliedMethod applied) {
        return PeftFormat.unsupported(applied);
    }

    public static Written save(AppliedMethod applied, Path dir, String baseModel) {
        SiteGraph g = applied.graph();
        SameDiff sd = g.sameDiff();
        List<String> derived = applied.added().values().stream().filter(AddedParameter::derived).map(AddedParameter::graphName).toList();
        Map<String, INDArray> derivedValues = derived.isEmpty() ? Map.of() : sd.output(new HashMap<>(), derived.toArray(String[]::new));
        java.util.function.Function<String, INDArray> value = n -> derivedValues.containsKey(n) ? derivedValues.get(n) : sd.getArrForVarName(n);

        String why = PeftFormat.unsupported(applied);
        List<String> notes = new ArrayList<>();
        Map<String, Map<String, HostTensor>> files = new LinkedHashMap<>();
        Map<String, List<PeftFormat.Entry>> entries = new LinkedHashMap<>();
        ObjectNode peftConfig = null;
        java.util.Set<String> placed = new java.util.HashSet<>();
        if (why == null) {
            PeftFormat.Export ex = PeftFormat.export(applied, baseModel);
            peftConfig = ex.config();
            entries.put(WEIGHTS, ex.entries());
            ex.entries().forEach(e -> placed.addAll(e.graphNames()));
            HfLayout layout = g.hfLayout().orElseThrow();
            if (!layout.headMaps()) notes.add(layout.headNote() + "; the head is in " + EXTRA);
            if (ex.note() != null) notes.add(ex.note());
        } else {
            notes.add("method '" + applied.method().spec() + "' has no PEFT equivalent (" + why + "): petl-only folder (" + PETL_CONFIG + " + " + WEIGHTS + ")");
        }
        List<PeftFormat.Entry> own = new ArrayList<>();
        for (AddedParameter p : applied.added().values()) {
            if (!p.stored() || placed.contains(p.graphName())) continue;
            own.add(PeftFormat.Entry.of(p.savedName(), p.graphName(), p.transposed()));
        }
        for (String n : applied.trainable()) {
            if (applied.added().containsKey(n) || placed.contains(n)) continue;
            own.add(PeftFormat.Entry.of(n, n, sd.getArrForVarName(n).rank() == 2));   // head Linear weights and base biases, HF layout
        }
        if (!own.isEmpty()) entries.put(why == null ? EXTRA : WEIGHTS, own);

        ObjectNode petl = JSON.createObjectNode();
        petl.put("petl_format", 2);
        petl.put("petl_method", applied.method().spec());
        petl.put("base_model_name_or_path", baseModel);
        petl.set("base_architecture", fingerprint(g));
        g.hfLayout().ifPresent(l -> {
            ObjectNode t = petl.putObject("transformers");
            t.put("model_type", l.modelType());
            t.put("class", l.architecture());
            t.put("task_type", l.taskType());
            t.put("head_maps", l.headMaps());
        });
        if (peftConfig != null) petl.put("peft_type", peftConfig.path("peft_type").asText());
        else petl.putNull("peft_type");
        var notesNode = petl.putArray("notes");
        notes.forEach(notesNode::add);
        ObjectNode layout = petl.putObject("tensors");
        for (Map.Entry<String, List<PeftFormat.Entry>> f : entries.entrySet()) {
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            ObjectNode fileNode = layout.putObject(f.getKey());
            for (PeftFormat.Entry e : f.getValue()) {
                ObjectNode en = fileNode.putObject(e.key());
                if (e.graphNames().size() == 1) {
                    en.put("graph", e.graphNames().get(0));
                    tensors.put(e.key(), host(value.apply(e.graphNames().get(0)), e.transposed()));
                } else {
                    // several [l, d] graph tables side by side (PEFT's prompt_embeddings)
                    e.graphNames().forEach(en.putArray("graph_columns")::add);
                    INDArray[] parts = e.graphNames().stream().map(value).toArray(INDArray[]::new);
                    tensors.put(e.key(), host(Nd4j.hstack(parts), false));
                }
                en.put("transposed", e.transposed());
            }
            files.put(f.getKey(), tensors);
        }
        try {
            Files.createDirectories(dir);
            for (String stale : List.of(CONFIG, EXTRA)) Files.deleteIfExists(dir.resolve(stale));
            for (Map.Entry<String, Map<String, HostTensor>> f : files.entrySet()) {
                Safetensors.write(dir.resolve(f.getKey()), f.getValue(), Map.of("format", "pt"));
            }
            if (peftConfig != null) AtomicFiles.writeString(dir.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(peftConfig));
            AtomicFiles.writeString(dir.resolve(PETL_CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(petl));
        } catch (IOException e) {
            throw new WeightFileException(dir + ": cannot write adapter (" + e.getMessage() + ")");
        }
        return new Written(peftConfig == null ? null : peftConfig.path("peft_type").asText(), List.copyOf(notes));
    }

    /**
     * Reads an adapter folder and checks it fits {@code g} (same architecture); the caller applies
     * {@code loaded.method()} with {@code loaded.added()} as preset values and puts {@code loaded.base()} into the
     * graph (head, biases). A folder with {@code petl_config.json} is read by petl's own map; a folder PEFT wrote
     * is read by PEFT's rules (LoRA and prefix tuning; anything else is refused in one line).
     */
    public static Loaded load(Path dir, SiteGraph g) {
        Path petlFile = dir.resolve(PETL_CONFIG), cfgFile = dir.resolve(CONFIG);
        if (Files.isRegularFile(petlFile)) return loadPetl(dir, readJson(petlFile), g);
        if (!Files.isRegularFile(cfgFile)) throw new WeightFileException(dir + ": no " + CONFIG + " or " + PETL_CONFIG + " (not an adapter folder)");
        JsonNode cfg = readJson(cfgFile);
        if (cfg.has("petl_method")) return loadLegacy(dir, cfg, g);
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            String hint = Files.exists(dir.resolve("adapter_model.bin")) ? " (adapter_model.bin is a pickle petl does not read; save with safe_serialization=True)" : "";
            throw new WeightFileException(weights + ": not found" + hint);
        }
        PeftFormat.Imported im = PeftFormat.read(cfg, Safetensors.read(weights), g, dir.toString());
        return new Loaded(im.method(), cfg.path("base_model_name_or_path").asText(""), im.added(), im.base());
    }

    /** The method a config file names, with errors naming the file and the field. */
    private static PetlMethod parseMethod(Path file, JsonNode cfg) {
        JsonNode m = cfg.path("petl_method");
        if (!m.isTextual()) throw new WeightFileException(file + ": \"petl_method\" is missing or not a string");
        try {
            return Methods.parse(m.asText());
        } catch (org.petl.core.method.MethodSpecException e) {
            throw new WeightFileException(file + ": petl_method \"" + org.petl.core.io.TextFiles.quote(m.asText(), 80) + "\": " + e.getMessage());
        }
    }

    /**
     * Refuses an adapter that lacks a tensor the re-applied method stores (a LoRA matrix, a prefix table) or a
     * trained base tensor (the task head, BitFit biases): loading it would silently keep a fresh initialisation.
     */
    public static void requireComplete(Path dir, AppliedMethod applied, Loaded loaded) {
        List<String> missing = new ArrayList<>();
        for (String t : applied.trainable()) {
            AddedParameter p = applied.added().get(t);
            boolean present = p == null ? loaded.base().containsKey(t) : !p.stored() || loaded.added().containsKey(t);
            if (!present) missing.add(t);
        }
        for (AddedParameter p : applied.added().values()) {
            if (p.stored() && p.derived() && !loaded.added().containsKey(p.graphName())) missing.add(p.graphName());
        }
        if (!missing.isEmpty()) {
            throw new WeightFileException(dir + ": the adapter lacks " + missing.size() + " tensor(s) that " + applied.method().spec() + " needs ("
                    + String.join(", ", missing.subList(0, Math.min(3, missing.size()))) + (missing.size() > 3 ? ", ..." : "")
                    + "); the folder is incomplete or holds another method");
        }
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new WeightFileException(file + ": not valid JSON (" + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
        }
    }

    private static void checkArchitecture(Path dir, JsonNode cfg, SiteGraph g) {
        JsonNode expected = fingerprint(g);
        JsonNode stored = cfg.path("base_architecture");
        if (!expected.equals(stored)) {
            throw new WeightFileException(dir + ": adapter was trained on " + cfg.path("base_model_name_or_path").asText("?") + " " + stored
                    + ", this model is " + expected);
        }
    }

    private static Loaded loadPetl(Path dir, JsonNode cfg, SiteGraph g) {
        checkArchitecture(dir, cfg, g);
        PetlMethod method = parseMethod(dir.resolve(PETL_CONFIG), cfg);
        Map<String, INDArray> added = new LinkedHashMap<>(), base = new LinkedHashMap<>();
        JsonNode files = cfg.path("tensors");
        for (java.util.Iterator<String> it = files.fieldNames(); it.hasNext(); ) {
            String file = it.next();
            if (file.contains("/") || file.contains("\\") || file.startsWith(".")) throw new WeightFileException(dir.resolve(PETL_CONFIG) + ": file name '" + file + "' is not a plain name");
            Path path = dir.resolve(file);
            Map<String, HostTensor> tensors = Safetensors.read(path);
            JsonNode map = files.path(file);
            for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
                JsonNode en = map.path(e.getKey());
                if (en.isMissingNode()) throw new WeightFileException(path + ": tensor '" + e.getKey() + "' is not listed in " + PETL_CONFIG);
                HostTensor t = e.getValue();
                INDArray v = Nd4j.create(t.data(), t.shape(), 'c');
                if (en.path("transposed").asBoolean(false)) {
                    if (t.rank() != 2) throw new WeightFileException(path + ": tensor '" + e.getKey() + "' is marked transposed but has shape " + t.shapeString());
                    v = v.transpose().dup('c');
                }
                if (en.has("graph_columns")) {
                    List<String> names = new ArrayList<>();
                    en.path("graph_columns").forEach(x -> names.add(x.asText()));
                    if (v.rank() != 2 || names.isEmpty() || v.size(1) % names.size() != 0) {
                        throw new WeightFileException(path + ": tensor '" + e.getKey() + "' " + t.shapeString() + " does not split into " + names.size() + " tables");
                    }
                    long w = v.size(1) / names.size();
                    for (int i = 0; i < names.size(); i++) {
                        added.put(names.get(i), v.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                org.nd4j.linalg.indexing.NDArrayIndex.interval(i * w, (i + 1) * w)).dup('c'));
                    }
                    continue;
                }
                String graphName = en.path("graph").asText(null);
                if (graphName == null) throw new WeightFileException(path + ": tensor '" + e.getKey() + "' has no graph name in " + PETL_CONFIG);
                (g.sameDiff().hasVariable(graphName) ? base : added).put(graphName, v);
            }
        }
        return new Loaded(method, cfg.path("base_model_name_or_path").asText(), added, base);
    }

    /** Folders of petl before petl_config.json: petl's fields inside adapter_config.json. */
    private static Loaded loadLegacy(Path dir, JsonNode cfg, SiteGraph g) {
        Path weights = dir.resolve(WEIGHTS);
        checkArchitecture(dir, cfg, g);
        PetlMethod method = parseMethod(dir.resolve(CONFIG), cfg);
        Map<String, HostTensor> tensors = Safetensors.read(weights);
        Map<String, INDArray> added = new LinkedHashMap<>(), base = new LinkedHashMap<>();
        JsonNode names = cfg.path("tensor_names");
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            String graphName = names.path(e.getKey()).asText(null);
            if (graphName == null) throw new WeightFileException(weights + ": tensor '" + e.getKey() + "' is not listed in " + CONFIG);
            HostTensor t = e.getValue();
            boolean baseVar = g.sameDiff().hasVariable(graphName);
            boolean transpose = t.rank() == 2 && (baseVar || isLinearWeight(graphName));
            INDArray v = Nd4j.create(t.data(), t.shape(), 'c');
            if (transpose) v = v.transpose().dup('c');
            (baseVar ? base : added).put(graphName, v);
        }
        return new Loaded(method, cfg.path("base_model_name_or_path").asText(), added, base);
    }

    /** Writes loaded head/bias values into the graph, checking shapes. */
    public static void assignBase(SiteGraph g, Map<String, INDArray> base, Path source) {
        for (Map.Entry<String, INDArray> e : base.entrySet()) {
            SDVariable v = g.sameDiff().getVariable(e.getKey());
            if (!java.util.Arrays.equals(v.getArr().shape(), e.getValue().shape())) {
                throw new WeightFileException(source + ": tensor '" + e.getKey() + "' has shape " + java.util.Arrays.toString(e.getValue().shape())
                        + ", the model has " + java.util.Arrays.toString(v.getArr().shape()));
            }
            v.getArr().assign(e.getValue());
        }
    }

    private static boolean isLinearWeight(String graphName) {
        return graphName.endsWith(".down.weight") || graphName.endsWith(".up.weight") || graphName.matches(".*\\.mlp\\.\\d\\.weight");
    }

    static JsonNode fingerprint(SiteGraph g) {
        ObjectNode f = JSON.createObjectNode();
        f.put("hidden", g.hidden());
        f.put("heads", g.heads());
        f.put("encoder_layers", g.layers(Site.Stack.ENCODER));
        f.put("decoder_layers", g.layers(Site.Stack.DECODER));
        f.put("ffn", g.width(Site.encoder(0, Site.Module.FFN, Site.Point.HIDDEN)));
        f.put("max_positions", g.maxPositions());
        return f;
    }

    private static HostTensor host(INDArray v, boolean transpose) {
        INDArray a = transpose ? v.transpose() : v;
        return new HostTensor(a.shape(), a.dup('c').castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).data().asFloat());
    }

    /** A method that is nothing but LoRA (identity bottleneck, no bias, projection-parallel, one part). */
    static boolean isPlainLora(PetlMethod m) {
        return m.modifications().size() == 1 && m.modifications().get(0) instanceof Modification.Delta d && isLora(d);
    }

    public static boolean isLora(Modification.Delta d) {
        return d.insertion() == Insertion.PROJECTION_PARALLEL && d.form() instanceof Bottleneck b && !b.bias()
                && b.layerNorm() == Bottleneck.LayerNormPlacement.NONE && d.composition() instanceof org.petl.core.method.Composition.Scaled;
    }
}
