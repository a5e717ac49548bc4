package org.petl.models.tokenize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.core.io.AtomicFiles;
import org.petl.core.io.WeightFileException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Small but complete Hugging Face {@code tokenizer.json} files of the two encoder-decoder kinds, for the tiny
 * reference models (vocabulary of 120): BART's byte-level BPE (RoBERTa's pre-tokenizer, decoder and
 * {@code <s> … </s>} post-processor, merges learned here from a fixed English text) and mBART's SentencePiece
 * unigram (Metaspace {@code ▁}, the {@code … </s> en_XX} template, language codes as special added tokens at the
 * end of the vocabulary). Ids follow the fairseq dictionaries: {@code <s>}=0, {@code <pad>}=1, {@code </s>}=2,
 * {@code <unk>}=3.
 */
public final class TinyTokenizerJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SPECIALS = {"<s>", "<pad>", "</s>", "<unk>"};
    /** The text the tiny vocabularies are learned from (English and Romanian, as the paper's tasks). */
    static final String CORPUS = """
            the cat sat on the mat . the dog ran in the park . a model is trained on the data and then tested .
            parameter efficient tuning trains only a few of the weights , the rest of the model is frozen .
            the adapter is added after the attention and after the feed forward layer of every block .
            we translate the sentence into another language and summarize the long document in one line .
            there is a house on the hill and the sun is shining on the water ! is it not ? it's fine .
            pisica sta pe covor . cainele alearga in parc . modelul este antrenat pe date si apoi testat .
            """;
    private static final String BPE_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'-";

    private TinyTokenizerJson() {
    }

    /** BART: 4 specials, byte-level symbols ({@code Ġ} = space), learned merges, {@code <mask>} last. */
    public static void writeBart(Path target, int vocabSize) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String s : SPECIALS) vocab.put(s, vocab.size());
        vocab.put("\u0120", vocab.size());
        for (char c : BPE_ALPHABET.toCharArray()) vocab.put(String.valueOf(c), vocab.size());
        int mergesWanted = vocabSize - 1 - vocab.size();
        if (mergesWanted < 0) throw new IllegalArgumentException("vocabulary of " + vocabSize + " is too small for the byte-level alphabet");
        List<String> merges = learnMerges(mergesWanted, vocab);
        vocab.put("<mask>", vocab.size());
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : SPECIALS) addedToken(added, vocab.get(s), s, false);
        addedToken(added, vocab.get("<mask>"), "<mask>", true);
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true);
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "RobertaProcessing").put("trim_offsets", true).put("add_prefix_space", false);
        post.putArray("sep").add("</s>").add(2);
        post.putArray("cls").add("<s>").add(0);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").put("unk_token", "<unk>").putNull("continuing_subword_prefix")
                .putNull("end_of_word_suffix").put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode m = model.putArray("merges");
        merges.forEach(m::add);
        write(target, root);
    }

    /** mBART: 4 specials, unigram pieces learned from the corpus, then the language codes (special added tokens). */
    public static void writeMbart(Path target, int vocabSize, List<String> languageCodes) {
        int pieces = vocabSize - SPECIALS.length - languageCodes.size();
        List<String[]> vocab = new ArrayList<>();
        for (String s : SPECIALS) vocab.add(new String[]{s, "0.0"});
        List<String> chars = new ArrayList<>(List.of("\u2581"));
        for (char c : BPE_ALPHABET.toCharArray()) chars.add(String.valueOf(c));
        Map<String, Integer> words = new HashMap<>();
        for (String w : CORPUS.trim().split("\\s+")) words.merge("\u2581" + w, 1, Integer::sum);
        List<Map.Entry<String, Integer>> frequent = new ArrayList<>(words.entrySet());
        frequent.sort(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        int wordPieces = pieces - chars.size();
        if (wordPieces < 0) throw new IllegalArgumentException("vocabulary of " + vocabSize + " is too small for the unigram alphabet");
        int total = words.values().stream().mapToInt(Integer::intValue).sum();
        for (int i = 0; i < wordPieces && i < frequent.size(); i++) {
            vocab.add(new String[]{frequent.get(i).getKey(), Double.toString(Math.log(frequent.get(i).getValue() / (double) total))});
        }
        for (String c : chars) vocab.add(new String[]{c, "-10.0"});
        while (vocab.size() < vocabSize - languageCodes.size()) vocab.add(new String[]{"\u2581" + "x" + vocab.size(), "-20.0"});
        for (String code : languageCodes) vocab.add(new String[]{code, "0.0"});
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < SPECIALS.length; i++) addedToken(added, i, SPECIALS[i], false);
        for (int i = 0; i < languageCodes.size(); i++) addedToken(added, vocabSize - languageCodes.size() + i, languageCodes.get(i), false);
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "always").put("split", true);
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        String lang = languageCodes.isEmpty() ? "</s>" : languageCodes.get(0);
        ArrayNode single = post.putArray("single");
        sequence(single, "A");
        special(single, "</s>");
        if (!languageCodes.isEmpty()) special(single, lang);
        ArrayNode pair = post.putArray("pair");
        sequence(pair, "A");
        sequence(pair, "B");
        special(pair, "</s>");
        if (!languageCodes.isEmpty()) special(pair, lang);
        ObjectNode specials = post.putObject("special_tokens");
        for (String s : languageCodes.isEmpty() ? List.of("</s>") : List.of("</s>", lang)) {
            int id = s.equals("</s>") ? 2 : vocabSize - languageCodes.size();
            ObjectNode n = specials.putObject(s);
            n.put("id", s);
            n.putArray("ids").add(id);
            n.putArray("tokens").add(s);
        }
        root.putObject("decoder").put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "always").put("split", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "Unigram").put("unk_id", 3).put("byte_fallback", false);
        ArrayNode v = model.putArray("vocab");
        for (String[] p : vocab) v.addArray().add(p[0]).add(Double.parseDouble(p[1]));
        write(target, root);
    }

    /** Byte-pair merges, most frequent pair first (ties by the pair's text), over the corpus's space-prefixed words. */
    private static List<String> learnMerges(int count, Map<String, Integer> vocab) {
        Map<List<String>, Integer> words = new LinkedHashMap<>();
        boolean first = true;
        for (String w : CORPUS.trim().split("\\s+")) {
            String word = (first ? "" : "\u0120") + w;
            first = false;
            List<String> symbols = new ArrayList<>();
            for (char c : word.toCharArray()) {
                if (vocab.containsKey(String.valueOf(c))) symbols.add(String.valueOf(c));
            }
            words.merge(symbols, 1, Integer::sum);
        }
        List<String> merges = new ArrayList<>();
        while (merges.size() < count) {
            Map<String, Integer> pairs = new TreeMap<>();
            for (Map.Entry<List<String>, Integer> e : words.entrySet()) {
                List<String> s = e.getKey();
                for (int i = 0; i + 1 < s.size(); i++) pairs.merge(s.get(i) + " " + s.get(i + 1), e.getValue(), Integer::sum);
            }
            String best = pairs.entrySet().stream().max(Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue)
                    .thenComparing(Map.Entry::getKey, Comparator.reverseOrder())).map(Map.Entry::getKey).orElse(null);
            if (best == null) break;
            String[] ab = best.split(" ");
            merges.add(best);
            vocab.putIfAbsent(ab[0] + ab[1], vocab.size());
            Map<List<String>, Integer> next = new LinkedHashMap<>();
            for (Map.Entry<List<String>, Integer> e : words.entrySet()) {
                List<String> s = e.getKey(), t = new ArrayList<>();
                for (int i = 0; i < s.size(); i++) {
                    if (i + 1 < s.size() && s.get(i).equals(ab[0]) && s.get(i + 1).equals(ab[1])) {
                        t.add(ab[0] + ab[1]);
                        i++;
                    } else {
                        t.add(s.get(i));
                    }
                }
                next.merge(t, e.getValue(), Integer::sum);
            }
            words = next;
        }
        return merges;
    }

    private static void addedToken(ArrayNode added, int id, String content, boolean lstrip) {
        added.addObject().put("id", id).put("content", content).put("single_word", false).put("lstrip", lstrip)
                .put("rstrip", false).put("normalized", false).put("special", true);
    }

    private static void special(ArrayNode a, String id) {
        a.addObject().putObject("SpecialToken").put("id", id).put("type_id", 0);
    }

    private static void sequence(ArrayNode a, String id) {
        a.addObject().putObject("Sequence").put("id", id).put("type_id", 0);
    }

    private static void write(Path target, ObjectNode root) {
        byte[] bytes;
        try {
            bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (IOException e) {
            throw new WeightFileException(target + ": cannot encode tokenizer (" + e.getMessage() + ")");
        }
        AtomicFiles.write(target, out -> out.write(bytes));
    }
}
