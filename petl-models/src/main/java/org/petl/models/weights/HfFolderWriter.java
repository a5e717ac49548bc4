package org.petl.models.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.petl.core.io.AtomicFiles;
import org.petl.core.io.Safetensors;
import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;
import org.petl.models.tokenize.TinyTokenizerJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes encoder-decoder weights as a Hugging Face folder ({@code config.json}, {@code model.safetensors},
 * {@code tokenizer.json}) that {@code --weights DIR} reads back, in particular the tiny reference BART/mBART of
 * {@code ../shared/golden/petl-reference} (so a real folder of that layout exists on a machine without BART
 * weights).
 */
public final class HfFolderWriter {

    /** The tiny references' head size (their README), their language codes (mBART: en_XX = 118, ro_RO = 119). */
    public static final int REFERENCE_HEAD_SIZE = 8;
    public static final List<String> REFERENCE_LANGUAGE_CODES = List.of("en_XX", "ro_RO");

    private HfFolderWriter() {
    }

    /**
     * The config of a reference model folder ({@code .../petl-reference/bart} or {@code mbart}) from its base
     * weights' shapes and the reference README's fixed values (head size 8, pad 1, bos 0, eos 2, gelu; BART
     * starts decoding from 2, mBART from ro_RO = 119 and scales its embeddings).
     */
    public static HfSeq2SeqConfig referenceConfig(Path referenceModelDir, Map<String, HostTensor> base) {
        HostTensor shared = base.get(Seq2SeqWeights.SHARED);
        if (shared == null) throw new WeightFileException(referenceModelDir.resolve("base.safetensors") + ": no " + Seq2SeqWeights.SHARED + " (not a BART reference)");
        boolean mbart = base.containsKey("model.encoder.layer_norm.weight");
        int vocab = (int) shared.shape()[0], d = (int) shared.shape()[1];
        int ffn = (int) base.get("model.encoder.layers.0.fc1.weight").shape()[0];
        int positions = (int) base.get("model.encoder.embed_positions.weight").shape()[0] - HfSeq2SeqConfig.POSITION_OFFSET;
        int enc = countLayers(base, "model.encoder.layers."), dec = countLayers(base, "model.decoder.layers.");
        int heads = d / REFERENCE_HEAD_SIZE;
        return new HfSeq2SeqConfig(mbart ? HfSeq2SeqConfig.Family.MBART : HfSeq2SeqConfig.Family.BART, d, enc, dec, heads, heads, ffn, ffn,
                vocab, positions, mbart, "gelu", 1, 0, 2, mbart ? vocab - 1 : 2, -1);
    }

    private static int countLayers(Map<String, HostTensor> w, String prefix) {
        int n = 0;
        while (w.containsKey(prefix + n + ".fc1.weight")) n++;
        return n;
    }

    /**
     * Writes {@code referenceModelDir/base.safetensors} as an HF folder in {@code out}: config.json from
     * {@link #referenceConfig}, the weights with the tied matrix stored once (as safetensors exports do), and a
     * tokenizer.json of the family ({@link TinyTokenizerJson}); returns the config.
     */
    public static HfSeq2SeqConfig writeTinyReference(Path referenceModelDir, Path out) {
        Map<String, HostTensor> base = Safetensors.read(referenceModelDir.resolve("base.safetensors"));
        HfSeq2SeqConfig config = referenceConfig(referenceModelDir, base);
        Map<String, HostTensor> weights = new LinkedHashMap<>(base);
        for (String alias : Seq2SeqWeights.TIED.subList(1, Seq2SeqWeights.TIED.size())) weights.remove(alias);
        write(config, weights, out);
        switch (config.family()) {
            case BART -> TinyTokenizerJson.writeBart(out.resolve("tokenizer.json"), config.vocab());
            case MBART -> TinyTokenizerJson.writeMbart(out.resolve("tokenizer.json"), config.vocab(), REFERENCE_LANGUAGE_CODES);
        }
        return config;
    }

    /** config.json + model.safetensors (F32, the given names). */
    public static void write(HfSeq2SeqConfig config, Map<String, HostTensor> weights, Path out) {
        try {
            Files.createDirectories(out);
            byte[] json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(config.toJson());
            AtomicFiles.write(out.resolve("config.json"), o -> o.write(json));
        } catch (IOException e) {
            throw new WeightFileException(out + ": cannot write the model folder (" + e.getMessage() + ")");
        }
        Safetensors.write(out.resolve("model.safetensors"), weights, Map.of("format", "pt"));
    }
}
