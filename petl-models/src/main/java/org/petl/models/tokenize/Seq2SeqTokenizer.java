package org.petl.models.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.petl.core.io.WeightFileException;
import org.petl.models.assembly.Seq2SeqBatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Source/target tokenization for an encoder-decoder over a Hugging Face {@code tokenizer.json} (DJL's binding
 * of the Rust tokenizers: BART's byte-level BPE, mBART's SentencePiece unigram, BERT's WordPiece). The json
 * tokenizes the text only; the special tokens are placed here, per {@link Scheme}, exactly as transformers'
 * tokenizers and {@code shift_tokens_right} place them:
 * <ul>
 *   <li>BART: source and labels {@code <s> … </s>}; decoder input {@code </s> <s> …} (start token 2, then the
 *       labels shifted right);</li>
 *   <li>mBART ({@code MBartTokenizer}): source {@code … </s> src_lang}, labels {@code … </s> tgt_lang}; the decoder
 *       starts from the target language code: {@code tgt_lang … </s>};</li>
 *   <li>a warm-started BERT encoder-decoder: source {@code [CLS] … [SEP]}, labels {@code … [SEP]}, decoder input
 *       {@code [CLS] …}.</li>
 * </ul>
 */
public final class Seq2SeqTokenizer implements AutoCloseable {

    /** Where the special tokens go; ids are those of the tokenizer's vocabulary. Each scheme owns its placement. */
    public sealed interface Scheme permits Bart, MBart, BertWarmStart {
        long[] sourcePrefix();

        long[] sourceSuffix();

        long[] labelPrefix();

        long[] labelSuffix();

        long pad();

        long eos();

        long decoderStart();

        /** Ids that never appear in decoded text. */
        Set<Long> special();
    }

    public record Bart(long bos, long eos, long pad, long decoderStart) implements Scheme {
        public long[] sourcePrefix() {
            return new long[]{bos};
        }

        public long[] sourceSuffix() {
            return new long[]{eos};
        }

        public long[] labelPrefix() {
            return new long[]{bos};
        }

        public long[] labelSuffix() {
            return new long[]{eos};
        }

        public Set<Long> special() {
            return Set.copyOf(List.of(bos, eos, pad, decoderStart));
        }
    }

    /** mBART with the source and target language codes chosen (their ids). */
    public record MBart(long eos, long pad, String srcLang, long srcLangId, String tgtLang, long tgtLangId) implements Scheme {
        public long[] sourcePrefix() {
            return new long[0];
        }

        public long[] sourceSuffix() {
            return new long[]{eos, srcLangId};
        }

        public long[] labelPrefix() {
            return new long[0];
        }

        public long[] labelSuffix() {
            return new long[]{eos, tgtLangId};
        }

        public long decoderStart() {
            return tgtLangId;
        }

        public Set<Long> special() {
            return Set.copyOf(List.of(eos, pad, srcLangId, tgtLangId));
        }
    }

    public record BertWarmStart(long cls, long sep, long pad) implements Scheme {
        public long[] sourcePrefix() {
            return new long[]{cls};
        }

        public long[] sourceSuffix() {
            return new long[]{sep};
        }

        public long[] labelPrefix() {
            return new long[0];
        }

        public long[] labelSuffix() {
            return new long[]{sep};
        }

        public long eos() {
            return sep;
        }

        public long decoderStart() {
            return cls;
        }

        public Set<Long> special() {
            return Set.of(cls, sep, pad);
        }
    }

    /** The language-code tokens of mBART's vocabulary ({@code en_XX}, {@code ro_RO}, ...). */
    public static final Pattern LANGUAGE_CODE = Pattern.compile("^[a-z]{2}_[A-Z]{2}$");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path json;
    private final Scheme scheme;
    private final HuggingFaceTokenizer tokenizer;
    private boolean warnedTruncation;

    private Seq2SeqTokenizer(Path json, Scheme scheme) {
        this.json = json;
        this.scheme = scheme;
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(json, Map.of("addSpecialTokens", "false", "padding", "false", "truncation", "false"));
        } catch (IOException | RuntimeException e) {
            throw new WeightFileException(json + ": cannot load tokenizer (" + String.valueOf(e.getMessage()).replace('\n', ' ') + ")");
        }
    }

    public static Seq2SeqTokenizer bart(Path json, long bos, long eos, long pad, long decoderStart) {
        Vocabulary.of(json); // readable json, one line otherwise
        return new Seq2SeqTokenizer(json, new Bart(bos, eos, pad, decoderStart));
    }

    /**
     * mBART: the language codes must be tokens of the vocabulary; a tokenizer without any (not an mBART
     * tokenizer, or one whose codes were stripped) and an unknown code are each one line naming the file.
     */
    public static Seq2SeqTokenizer mbart(Path json, long eos, long pad, String srcLang, String tgtLang) {
        Map<String, Long> codes = languageCodes(json);
        if (codes.isEmpty()) {
            throw new WeightFileException(json + ": mBART tokenizer without language codes (no token like en_XX or ro_RO); "
                    + "mBART's source ends with the source language code and its decoder starts from the target's");
        }
        for (String lang : new String[]{srcLang, tgtLang}) {
            if (!codes.containsKey(lang)) {
                throw new WeightFileException(json + ": language code '" + lang + "' is not in the tokenizer (it has " + summary(codes.keySet()) + ")");
            }
        }
        return new Seq2SeqTokenizer(json, new MBart(eos, pad, srcLang, codes.get(srcLang), tgtLang, codes.get(tgtLang)));
    }

    public static Seq2SeqTokenizer bertWarmStart(Path json) {
        Vocabulary v = Vocabulary.of(json);
        return new Seq2SeqTokenizer(json, new BertWarmStart(v.id("[CLS]"), v.id("[SEP]"), v.id("[PAD]")));
    }

    private static String summary(Set<String> codes) {
        List<String> l = new ArrayList<>(new java.util.TreeSet<>(codes));
        return l.size() <= 8 ? String.join(", ", l) : String.join(", ", l.subList(0, 8)) + ", ... (" + l.size() + " codes)";
    }

    /** Language-code tokens of a tokenizer.json (added tokens and vocabulary), code to id, sorted. */
    public static Map<String, Long> languageCodes(Path json) {
        Map<String, Long> out = new TreeMap<>();
        Vocabulary.of(json).ids().forEach((tok, id) -> {
            if (LANGUAGE_CODE.matcher(tok).matches()) out.put(tok, id);
        });
        return out;
    }

    public Scheme scheme() {
        return scheme;
    }

    public long padTokenId() {
        return scheme.pad();
    }

    public long eosTokenId() {
        return scheme.eos();
    }

    /** The first decoder token: BART's decoder_start_token_id, mBART's target language code, BERT's [CLS]. */
    public long decoderStartTokenId() {
        return scheme.decoderStart();
    }

    /** Text ids without special tokens. */
    public long[] textIds(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    /** The encoder input of one text: special tokens placed, text truncated so the whole fits {@code maxLength}. */
    public long[] source(String text, int maxLength) {
        return wrap(scheme.sourcePrefix(), textIds(text), scheme.sourceSuffix(), maxLength);
    }

    /** The labels of one target text (what the decoder must produce), at most {@code maxLength} tokens. */
    public long[] labels(String text, int maxLength) {
        return wrap(scheme.labelPrefix(), textIds(text), scheme.labelSuffix(), maxLength);
    }

    /**
     * The decoder input for some labels: the start token, then the labels shifted right (mBART: the language code
     * that ends the labels moves to the front, as transformers' mBART {@code shift_tokens_right} does).
     */
    public long[] decoderInput(long[] labels) {
        long[] out = new long[labels.length];
        if (out.length == 0) return out;
        out[0] = decoderStartTokenId();
        System.arraycopy(labels, 0, out, 1, labels.length - 1);
        return out;
    }

    private long[] wrap(long[] prefix, long[] text, long[] suffix, int maxLength) {
        int room = maxLength - prefix.length - suffix.length;
        if (room < 0) throw new IllegalArgumentException("max length " + maxLength + " leaves no room for the special tokens");
        if (text.length > room) {
            warnTruncation(maxLength);
            text = Arrays.copyOf(text, room);
        }
        long[] out = new long[prefix.length + text.length + suffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(text, 0, out, prefix.length, text.length);
        System.arraycopy(suffix, 0, out, prefix.length + text.length, suffix.length);
        return out;
    }

    private synchronized void warnTruncation(int maxLength) {
        if (warnedTruncation) return;
        warnedTruncation = true;
        System.err.println("warning: " + json + " truncated at least one text to " + maxLength + " tokens (further truncations are not reported)");
    }

    /**
     * Sources and (optionally, may be null) targets to one padded batch, ids padded with the pad token and labels
     * with {@link Seq2SeqBatch#IGNORE} (as transformers' seq2seq collator pads them). Without targets the decoder
     * input is the start token alone and there are no labels.
     */
    public Seq2SeqBatch encode(List<String> sources, List<String> targets, int maxSourceLength, int maxTargetLength) {
        if (targets != null && targets.size() != sources.size()) {
            throw new IllegalArgumentException("sources and targets differ in number: " + sources.size() + " vs " + targets.size());
        }
        int n = sources.size();
        long[][] src = new long[n][], lab = new long[targets == null ? 0 : n][], dec = new long[n][];
        for (int i = 0; i < n; i++) {
            src[i] = source(sources.get(i), maxSourceLength);
            if (targets != null) {
                lab[i] = labels(targets.get(i), maxTargetLength);
                dec[i] = decoderInput(lab[i]);
            } else {
                dec[i] = new long[]{decoderStartTokenId()};
            }
        }
        int pad = Math.toIntExact(padTokenId());
        return new Seq2SeqBatch(pad(src, pad), mask(src), pad(dec, pad), mask(dec), targets == null ? null : pad(lab, Seq2SeqBatch.IGNORE));
    }

    private static int[][] pad(long[][] rows, int pad) {
        int len = Arrays.stream(rows).mapToInt(r -> r.length).max().orElse(0);
        int[][] out = new int[rows.length][len];
        for (int i = 0; i < rows.length; i++) {
            Arrays.fill(out[i], pad);
            for (int j = 0; j < rows[i].length; j++) out[i][j] = Math.toIntExact(rows[i][j]);
        }
        return out;
    }

    private static int[][] mask(long[][] rows) {
        int len = Arrays.stream(rows).mapToInt(r -> r.length).max().orElse(0);
        int[][] out = new int[rows.length][len];
        for (int i = 0; i < rows.length; i++) Arrays.fill(out[i], 0, rows[i].length, 1);
        return out;
    }

    /**
     * Generated ids to text: a leading start token is dropped, decoding stops at the first end-of-sequence token,
     * and the remaining special tokens (language codes, padding) are skipped.
     */
    public String decode(long[] ids) {
        List<Long> keep = new ArrayList<>();
        Set<Long> special = scheme.special();
        for (int i = 0; i < ids.length; i++) {
            if (i == 0 && ids[i] == decoderStartTokenId()) continue;
            if (ids[i] == eosTokenId()) break;
            if (!special.contains(ids[i])) keep.add(ids[i]);
        }
        return tokenizer.decode(keep.stream().mapToLong(Long::longValue).toArray(), true);
    }

    /** {@link #decode(long[])} of a batch row; ignored label positions ({@link Seq2SeqBatch#IGNORE}) are skipped. */
    public String decode(int[] ids) {
        return decode(Arrays.stream(ids).filter(i -> i >= 0).asLongStream().toArray());
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /** Token to id of a tokenizer.json: the model's vocabulary (BPE/WordPiece object, Unigram list) and added tokens. */
    public record Vocabulary(Path json, Map<String, Long> ids) {

        public static Vocabulary of(Path json) {
            if (!Files.isRegularFile(json)) throw new WeightFileException(json + ": tokenizer file not found");
            JsonNode root;
            try {
                root = JSON.readTree(json.toFile());
            } catch (IOException e) {
                throw new WeightFileException(json + ": cannot read tokenizer (" + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
            }
            Map<String, Long> ids = new LinkedHashMap<>();
            JsonNode vocab = root.path("model").path("vocab");
            if (vocab.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                    var e = it.next();
                    ids.put(e.getKey(), e.getValue().asLong());
                }
            } else if (vocab.isArray()) {
                for (int i = 0; i < vocab.size(); i++) ids.put(vocab.get(i).path(0).asText(), (long) i);
            } else {
                throw new WeightFileException(json + ": tokenizer has no model vocabulary");
            }
            for (JsonNode a : root.path("added_tokens")) ids.put(a.path("content").asText(), a.path("id").asLong());
            return new Vocabulary(json, ids);
        }

        public long id(String token) {
            Long id = ids.get(token);
            if (id == null) throw new WeightFileException(json + ": tokenizer has no token '" + token + "'");
            return id;
        }
    }
}
