package org.petl.core.method;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.petl.core.site.Site;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Turns what a user types into a method: {@code name[:k=v,...]} joined by {@code +} (AdapterHub's ConfigUnion), e.g.
 * {@code mam:l=16,r=16,s=2} or {@code lora:r=8,targets=q,v+bitfit}, or a JSON method file ({@code @method.json} or
 * a path ending in .json) listing explicit (form, site, insertion, composition) tuples.
 */
public final class Methods {

    private Methods() {
    }

    /** Built-in presets followed by plugins found with ServiceLoader on the class path. */
    public static List<MethodProvider> providers() {
        Map<String, MethodProvider> byName = new LinkedHashMap<>();
        for (MethodProvider p : Presets.all()) byName.put(p.name(), p);
        for (MethodProvider p : ServiceLoader.load(MethodProvider.class)) byName.putIfAbsent(p.name(), p);
        return List.copyOf(byName.values());
    }

    /** Longest spec read: far beyond any real union of presets, short enough that a pasted file is refused at once. */
    static final int MAX_SPEC = 2000;

    public static PetlMethod parse(String spec) {
        if (spec == null || spec.isBlank()) throw new MethodSpecException("empty method specification");
        String s = spec.trim();
        if (s.startsWith("@") || s.endsWith(".json")) return fromJsonFile(Path.of(s.startsWith("@") ? s.substring(1) : s));
        if (s.length() > MAX_SPEC) throw new MethodSpecException("method specification is " + s.length() + " characters long; at most " + MAX_SPEC + " are read");
        PetlMethod result = null;
        for (String part : s.split("\\+", -1)) {
            PetlMethod m = parseOne(part.trim());
            result = result == null ? m : result.plus(m);
        }
        return new PetlMethod(s, result.modifications(), result.fullFineTuning());
    }

    private static PetlMethod parseOne(String part) {
        if (part.isEmpty()) throw new MethodSpecException("empty part in a method specification (two '+' in a row?)");
        int colon = part.indexOf(':');
        String name = (colon < 0 ? part : part.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
        Map<String, String> args = new LinkedHashMap<>();
        if (colon >= 0) {
            String last = null;
            for (String kv : part.substring(colon + 1).split(",")) {
                int eq = kv.indexOf('=');
                if (eq < 0) {
                    // a value with commas (targets=q,v): the piece belongs to the previous parameter
                    if (last == null || kv.isBlank()) throw new MethodSpecException(name + ": '" + kv + "' is not key=value");
                    args.put(last, args.get(last) + "," + kv.trim());
                    continue;
                }
                last = kv.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                args.put(last, kv.substring(eq + 1).trim());
            }
        }
        MethodProvider p = providers().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow(() ->
                new MethodSpecException("unknown method '" + name + "' (known: " + String.join(", ", providers().stream().map(MethodProvider::name).toList()) + ")"));
        List<String> known = p.parameters().stream().map(x -> x.split("[= ]")[0]).toList();
        return p.create(new MethodProvider.Args(name, args, known));
    }

    // ------------------------------------------------------------------ explicit tuples from JSON

    /**
     * <pre>{"modifications": [{"name": "ad", "form": {"type": "bottleneck", "r": 8, "act": "relu", "layer_norm": "none",
     *   "bias": true, "init": "normal"}, "site": {"stacks": ["encoder"], "modules": ["ffn"], "points": ["output"],
     *   "layers": [0, 1]}, "insertion": "parallel", "composition": {"type": "scaled", "s": 2}}]}</pre>
     * Forms: bottleneck (r, act, layer_norm none|before|after, bias, init, input_dropout, dropout), prefix_attention
     * (l, act, scaled, norm_query, mid, tables own|peft, dropout). Compositions: add, scaled (s), learned_scale (init), gated
     * (execution explicit|concat). Also {"type": "prompt", "l": 10}, {"type": "bitfit"} and {"type": "position_shift",
     * "l": 10, "stacks": ["decoder"]} entries.
     */
    public static PetlMethod fromJsonFile(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(org.petl.core.io.TextFiles.readString(file));
        } catch (IOException e) {
            throw new MethodSpecException(file + ": cannot read method file (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        return fromJson(root, file.toString());
    }

    public static PetlMethod fromJson(JsonNode root, String where) {
        JsonNode mods = root.path("modifications");
        if (!mods.isArray() || mods.isEmpty()) throw new MethodSpecException(where + ": needs a non-empty \"modifications\" array");
        List<Modification> out = new ArrayList<>();
        for (int i = 0; i < mods.size(); i++) {
            JsonNode m = mods.get(i);
            String at = where + ": modifications[" + i + "]";
            String name = m.path("name").asText("m" + i);
            String type = m.path("type").asText("delta");
            try {
                switch (type) {
                    case "prompt" -> out.add(new Modification.PromptTuning(name, size(m, "l", null)));
                    case "bitfit" -> out.add(new Modification.BiasTuning(name));
                    case "position_shift" -> out.add(new Modification.PositionShift(name, size(m, "l", null),
                            enums(Site.Stack.class, m.path("stacks"), EnumSet.allOf(Site.Stack.class))));
                    case "delta" -> out.add(new Modification.Delta(name, form(m.path("form")), placement(m.path("site")),
                            enumOf(Insertion.class, m.path("insertion").asText("parallel")), composition(m.path("composition"))));
                    default -> throw new MethodSpecException("unknown type '" + type + "' (delta, prompt, bitfit, position_shift)");
                }
            } catch (MethodSpecException e) {
                throw new MethodSpecException(at + ": " + e.getMessage());
            }
        }
        return new PetlMethod(root.path("spec").asText(where), out, root.path("full_fine_tuning").asBoolean(false));
    }

    private static FunctionalForm form(JsonNode f) {
        String type = f.path("type").asText("");
        return switch (type) {
            case "bottleneck" -> new Bottleneck(size(f, "r", null), Nonlinearity.parse(f.path("act").asText("relu")),
                    enumOf(Bottleneck.LayerNormPlacement.class, f.path("layer_norm").asText("none")), f.path("bias").asBoolean(true),
                    enumOf(Init.class, f.path("init").asText("normal")), f.path("inner_scale").asDouble(1.0),
                    f.path("input_dropout").asDouble(0), f.path("dropout").asDouble(0));
            case "prefix_attention" -> new PrefixAttention(size(f, "l", null), Nonlinearity.parse(f.path("act").asText("softmax")),
                    f.path("scaled").asBoolean(true), f.path("norm_query").asBoolean(false),
                    f.path("tables").asText("own").equals("peft") ? new PrefixSource.PeftTable()
                            : size(f, "mid", 0) > 0 ? new PrefixSource.Mlp(size(f, "mid", 0))
                            : new PrefixSource.Direct(f.path("init").asText("random").equals("tokens")), f.path("dropout").asDouble(0));
            default -> throw new MethodSpecException("form.type '" + type + "' is not bottleneck or prefix_attention");
        };
    }

    /** A positive integer size field ({@code r}, {@code l}, {@code mid}); {@code def} null: required. */
    private static int size(JsonNode node, String key, Integer def) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (def == null) throw new MethodSpecException("needs \"" + key + "\"");
            return def;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new MethodSpecException("\"" + key + "\" must be an integer, got " + v);
        int n = v.asInt();
        if (def != null && n == 0 && def == 0) return 0;
        return MethodProvider.Args.checkSize(null, key, n);
    }

    private static Composition composition(JsonNode c) {
        String type = c.path("type").asText("add");
        return switch (type) {
            case "add" -> new Composition.Add();
            case "scaled" -> new Composition.Scaled(c.path("s").asDouble(1.0));
            case "learned_scale" -> new Composition.LearnedScale(c.path("init").asDouble(1.0));
            case "gated" -> new Composition.Gated(enumOf(Composition.Gated.Execution.class, c.path("execution").asText("explicit")));
            default -> throw new MethodSpecException("composition.type '" + type + "' is not add, scaled, learned_scale or gated");
        };
    }

    private static Placement placement(JsonNode s) {
        Set<Site.Stack> stacks = enums(Site.Stack.class, s.path("stacks"), EnumSet.allOf(Site.Stack.class));
        Set<Site.Module> modules = enums(Site.Module.class, s.path("modules"), null);
        Set<Site.Point> points = enums(Site.Point.class, s.path("points"), null);
        List<Integer> layers = new ArrayList<>();
        JsonNode ls = s.path("layers");
        if (!ls.isMissingNode() && !ls.isArray()) throw new MethodSpecException("site.layers must be an array of layer numbers, got " + ls);
        for (JsonNode n : ls) {
            if (!n.isIntegralNumber() || !n.canConvertToInt()) throw new MethodSpecException("site.layers holds " + n + ", not a layer number");
            int layer = n.asInt();
            if (layer < 0 || layer >= MethodProvider.Args.MAX_LAYERS) {
                throw new MethodSpecException("site.layers holds " + layer + ": layers are numbered 0.." + (MethodProvider.Args.MAX_LAYERS - 1));
            }
            if (!layers.contains(layer)) layers.add(layer);
        }
        if (ls.isArray() && ls.isEmpty()) throw new MethodSpecException("site.layers is empty (leave it out for every layer)");
        if (modules == null || points == null) throw new MethodSpecException("site needs \"modules\" and \"points\"");
        return new Placement(stacks, modules, points, layers);
    }

    private static <E extends Enum<E>> Set<E> enums(Class<E> type, JsonNode arr, Set<E> def) {
        if (arr.isMissingNode()) return def;
        Set<E> out = EnumSet.noneOf(type);
        if (arr.isTextual()) out.add(enumOf(type, arr.asText()));
        else arr.forEach(n -> out.add(enumOf(type, n.asText())));
        return out;
    }

    static <E extends Enum<E>> E enumOf(Class<E> type, String v) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v.replace('-', '_'))) return e;
        }
        throw new MethodSpecException("'" + v + "' is not one of " + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
    }

    /** The four design dimensions of each part of a method, one line each. */
    public static List<String> describe(PetlMethod m) {
        List<String> lines = new ArrayList<>();
        if (m.fullFineTuning()) lines.add("all base parameters train");
        for (Modification mod : m.modifications()) lines.add(mod.describe());
        if (lines.isEmpty()) lines.add("only the task head trains");
        return lines;
    }

    private static String describeForm(FunctionalForm f) {
        return f.describe();
    }
}
