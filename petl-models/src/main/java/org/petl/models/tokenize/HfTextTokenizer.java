package org.petl.models.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.petl.core.io.WeightFileException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link TextTokenizer} over a Hugging Face {@code tokenizer.json}, run by DJL's binding of the Rust
 * tokenizers library. Padding and truncation settings inside the json (langchain4j's MiniLM pads to 128) are
 * overridden: each max length gets its own truncating, non-padding instance, and padding is done here.
 */
public final class HfTextTokenizer implements TextTokenizer {

    private final Path tokenizerJson;
    private final String name;
    private final int padTokenId;
    private final Map<Integer, HuggingFaceTokenizer> byMaxLength = new HashMap<>();
    private boolean warnedTruncation;

    public HfTextTokenizer(Path tokenizerJson, String name, int padTokenId) {
        if (!Files.isRegularFile(tokenizerJson)) throw new WeightFileException(tokenizerJson + ": tokenizer file not found");
        this.tokenizerJson = tokenizerJson;
        this.name = name;
        this.padTokenId = padTokenId;
        instance(512); // fail early on an unreadable file
    }

    /** The tokenizer.json this tokenizer reads. */
    public Path file() {
        return tokenizerJson;
    }

    /**
     * One more than the largest token id {@code tokenizer.json} can produce (its model vocabulary and added
     * tokens), read from the file itself.
     */
    public static int idLimit(Path tokenizerJson) {
        com.fasterxml.jackson.databind.JsonNode root;
        try {
            root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tokenizerJson.toFile());
        } catch (IOException e) {
            throw new WeightFileException(tokenizerJson + ": cannot read tokenizer (" + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
        }
        long max = -1;
        com.fasterxml.jackson.databind.JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            for (var it = vocab.elements(); it.hasNext(); ) max = Math.max(max, it.next().asLong(-1));
        } else if (vocab.isArray()) {
            max = vocab.size() - 1L;        // Unigram: [[piece, score], ...], ids are positions
        }
        for (com.fasterxml.jackson.databind.JsonNode t : root.path("added_tokens")) max = Math.max(max, t.path("id").asLong(-1));
        return (int) Math.min(Integer.MAX_VALUE, max + 1);
    }

    /** Refuses a tokenizer that can produce ids the model's word-embedding table of {@code vocab} rows lacks. */
    public static void checkFits(Path tokenizerJson, int vocab, String model) {
        int limit = idLimit(tokenizerJson);
        if (limit > vocab) {
            throw new WeightFileException(tokenizerJson + ": the tokenizer has ids up to " + (limit - 1) + ", but " + model
                    + "'s word-embedding table has " + vocab + " rows (vocab_size); tokenizer and weights do not belong together");
        }
    }

    private synchronized HuggingFaceTokenizer instance(int maxLength) {
        HuggingFaceTokenizer t = byMaxLength.get(maxLength);
        if (t != null) return t;
        try {
            t = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of(
                    "padding", "false", "truncation", "true", "maxLength", Integer.toString(maxLength), "addSpecialTokens", "true"));
        } catch (IOException | RuntimeException e) {
            throw new WeightFileException(tokenizerJson + ": cannot load tokenizer (" + String.valueOf(e.getMessage()).replace('\n', ' ') + ")");
        }
        byMaxLength.put(maxLength, t);
        return t;
    }

    @Override
    public TokenBatch encode(List<String> texts, int maxLength) {
        HuggingFaceTokenizer t = instance(maxLength);
        Encoding[] enc = new Encoding[texts.size()];
        for (int i = 0; i < enc.length; i++) enc[i] = t.encode(texts.get(i));
        return pad(enc);
    }

    @Override
    public TokenBatch encodePairs(List<String> first, List<String> second, int maxLength) {
        if (first.size() != second.size()) throw new IllegalArgumentException("pair lists differ in size: " + first.size() + " vs " + second.size());
        HuggingFaceTokenizer t = instance(maxLength);
        Encoding[] enc = new Encoding[first.size()];
        for (int i = 0; i < enc.length; i++) enc[i] = t.encode(first.get(i), second.get(i));
        return pad(enc);
    }

    @Override
    public List<String> tokens(String text) {
        return Arrays.asList(instance(512).encode(text).getTokens());
    }

    @Override
    public int padTokenId() {
        return padTokenId;
    }

    private TokenBatch pad(Encoding[] enc) {
        int len = 0;
        boolean truncated = false;
        for (Encoding e : enc) {
            len = Math.max(len, e.getIds().length);
            truncated |= e.exceedMaxLength();
        }
        if (truncated) warnTruncation();
        long[][] ids = new long[enc.length][len], mask = new long[enc.length][len], types = new long[enc.length][len];
        for (int i = 0; i < enc.length; i++) {
            long[] id = enc[i].getIds(), ty = enc[i].getTypeIds();
            Arrays.fill(ids[i], padTokenId);
            System.arraycopy(id, 0, ids[i], 0, id.length);
            System.arraycopy(ty, 0, types[i], 0, ty.length);
            Arrays.fill(mask[i], 0, id.length, 1L);
        }
        return new TokenBatch(ids, mask, types);
    }

    private synchronized void warnTruncation() {
        if (warnedTruncation) return;
        warnedTruncation = true;
        System.err.println("warning: " + name + " tokenizer truncated at least one input to the max length (further truncations are not reported)");
    }

    @Override
    public synchronized void close() {
        byMaxLength.values().forEach(HuggingFaceTokenizer::close);
        byMaxLength.clear();
    }
}
