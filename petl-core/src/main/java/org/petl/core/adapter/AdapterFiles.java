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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves and loads only what a method added (plus the task head and unfrozen base biases, like PEFT's
 * modules_to_save): {@code adapter_config.json} + {@code adapter_model.safetensors}. Linear weights are written
 * PyTorch-style [out, in]; LoRA tensors under Hugging Face PEFT's names and shapes
 * ({@code base_model.model.<module>.lora_A.weight} [r, in], {@code lora_B.weight} [out, r]).
 */
public final class AdapterFiles {

    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdapterFiles() {
    }

    /** What a loaded adapter gives: the method to re-apply, and its tensors by graph name in graph layout. */
    public record Loaded(PetlMethod method, String baseModel, Map<String, INDArray> added, Map<String, INDArray> base) {
    }

    public static void save(AppliedMethod applied, Path dir, String baseModel) {
        SiteGraph g = applied.graph();
        SameDiff sd = g.sameDiff();
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        Map<String, String> names = new LinkedHashMap<>();
        List<String> derived = applied.added().values().stream().filter(AddedParameter::derived).map(AddedParameter::graphName).toList();
        Map<String, INDArray> derivedValues = derived.isEmpty() ? Map.of() : sd.output(new HashMap<>(), derived.toArray(String[]::new));
        for (AddedParameter p : applied.added().values()) {
            if (!p.stored()) continue;
            INDArray v = p.derived() ? derivedValues.get(p.graphName()) : sd.getArrForVarName(p.graphName());
            String saved = peftName(applied, p).orElse(p.savedName());
            tensors.put(saved, host(v, p.transposed()));
            names.put(saved, p.graphName());
        }
        for (String n : applied.trainable()) {
            if (applied.added().containsKey(n)) continue;
            INDArray v = sd.getArrForVarName(n);
            tensors.put(n, host(v, v.rank() == 2));   // head Linear weights and base biases, HF layout
            names.put(n, n);
        }
        ObjectNode cfg = JSON.createObjectNode();
        boolean lora = isPlainLora(applied.method());
        cfg.put("peft_type", lora ? "LORA" : "PETL");
        cfg.put("petl_method", applied.method().spec());
        cfg.put("base_model_name_or_path", baseModel);
        cfg.set("base_architecture", fingerprint(g));
        if (lora) {
            Modification.Delta d = (Modification.Delta) applied.method().modifications().get(0);
            Bottleneck b = (Bottleneck) d.form();
            cfg.put("r", b.r());
            cfg.put("lora_alpha", ((org.petl.core.method.Composition.Scaled) d.composition()).s() * b.r());
            var targets = cfg.putArray("target_modules");
            d.at().points().stream().map(p -> switch (p) {
                case Q -> "query";
                case K -> "key";
                case V -> "value";
                case OUTPUT -> "dense";
                case HIDDEN_PRE -> "intermediate.dense";
                default -> p.name().toLowerCase();
            }).sorted().forEach(targets::add);
        }
        var map = cfg.putObject("tensor_names");
        names.forEach(map::put);
        try {
            Files.createDirectories(dir);
            Safetensors.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt", "petl_method", applied.method().spec()));
            AtomicFiles.writeString(dir.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg));
        } catch (IOException e) {
            throw new WeightFileException(dir + ": cannot write adapter (" + e.getMessage() + ")");
        }
    }

    /**
     * Reads an adapter folder and checks it fits {@code g} (same architecture); the caller applies
     * {@code loaded.method()} with {@code loaded.added()} as preset values and puts {@code loaded.base()} into the
     * graph (head, biases).
     */
    public static Loaded load(Path dir, SiteGraph g) {
        Path cfgFile = dir.resolve(CONFIG), weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(cfgFile)) throw new WeightFileException(dir + ": no " + CONFIG + " (not an adapter folder)");
        JsonNode cfg;
        try {
            cfg = JSON.readTree(cfgFile.toFile());
        } catch (IOException e) {
            throw new WeightFileException(cfgFile + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        JsonNode expected = fingerprint(g);
        JsonNode stored = cfg.path("base_architecture");
        if (!expected.equals(stored)) {
            throw new WeightFileException(dir + ": adapter was trained on " + cfg.path("base_model_name_or_path").asText("?") + " " + stored
                    + ", this model is " + expected);
        }
        PetlMethod method = Methods.parse(cfg.path("petl_method").asText());
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

    static boolean isLora(Modification.Delta d) {
        return d.insertion() == Insertion.PROJECTION_PARALLEL && d.form() instanceof Bottleneck b && !b.bias()
                && b.layerNorm() == Bottleneck.LayerNormPlacement.NONE && d.composition() instanceof org.petl.core.method.Composition.Scaled;
    }

    /** PEFT's name for a LoRA tensor: {@code base_model.model.<module>.lora_A.weight}. */
    private static java.util.Optional<String> peftName(AppliedMethod applied, AddedParameter p) {
        for (Modification m : applied.method().modifications()) {
            if (!(m instanceof Modification.Delta d) || !isLora(d) || !p.graphName().startsWith(d.name() + ".")) continue;
            String rest = p.graphName().substring(d.name().length() + 1);
            String which = rest.endsWith(".down.weight") ? "lora_A" : rest.endsWith(".up.weight") ? "lora_B" : null;
            if (which == null) continue;
            Site site = Site.parse(rest.substring(0, rest.lastIndexOf('.', rest.lastIndexOf('.') - 1)));
            String prefix = applied.method().modifications().size() == 1 ? "" : d.name() + ".";
            return java.util.Optional.of("base_model.model." + prefix + applied.graph().moduleName(site) + "." + which + ".weight");
        }
        return java.util.Optional.empty();
    }
}
