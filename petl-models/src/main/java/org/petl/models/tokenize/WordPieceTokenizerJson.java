package org.petl.models.tokenize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.core.io.AtomicFiles;
import org.petl.core.io.WeightFileException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds the Hugging Face {@code tokenizer.json} that {@code BertTokenizerFast} would build from a Google BERT
 * {@code vocab.txt}, so a vocab-only checkpoint is tokenized by the same Rust WordPiece as HF models instead of
 * a hand-written copy: BertNormalizer, BertPreTokenizer, WordPiece ({@code [UNK]}, {@code ##}, 100 chars),
 * and the {@code [CLS] A [SEP] B [SEP]} template.
 */
public final class WordPieceTokenizerJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SPECIAL = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

    private WordPieceTokenizerJson() {
    }

    /** Writes the tokenizer.json for {@code vocabTxt} to {@code target} (atomically). */
    public static void write(Path vocabTxt, boolean lowercase, Path target) {
        List<String> vocab;
        try {
            vocab = Files.readAllLines(vocabTxt, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new WeightFileException(vocabTxt + ": cannot read vocabulary (" + e.getMessage() + ")");
        }
        while (!vocab.isEmpty() && vocab.get(vocab.size() - 1).isEmpty()) vocab.remove(vocab.size() - 1);
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode vocabNode = JSON.createObjectNode();
        for (int i = 0; i < vocab.size(); i++) {
            if (!vocabNode.has(vocab.get(i))) vocabNode.put(vocab.get(i), i);
        }
        for (String s : SPECIAL) {
            if (!vocabNode.has(s)) throw new WeightFileException(vocabTxt + ": vocabulary lacks special token " + s);
            added.addObject().put("id", vocabNode.get(s).asInt()).put("content", s).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode norm = root.putObject("normalizer");
        norm.put("type", "BertNormalizer").put("clean_text", true).put("handle_chinese_chars", true).putNull("strip_accents");
        norm.put("lowercase", lowercase);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        special(single, "[CLS]", 0);
        sequence(single, "A", 0);
        special(single, "[SEP]", 0);
        ArrayNode pair = post.putArray("pair");
        special(pair, "[CLS]", 0);
        sequence(pair, "A", 0);
        special(pair, "[SEP]", 0);
        sequence(pair, "B", 1);
        special(pair, "[SEP]", 1);
        ObjectNode specials = post.putObject("special_tokens");
        for (String s : new String[]{"[CLS]", "[SEP]"}) {
            ObjectNode n = specials.putObject(s);
            n.put("id", s);
            n.putArray("ids").add(vocabNode.get(s).asInt());
            n.putArray("tokens").add(s);
        }
        root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece").put("unk_token", "[UNK]").put("continuing_subword_prefix", "##").put("max_input_chars_per_word", 100);
        model.set("vocab", vocabNode);
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new WeightFileException(target + ": cannot encode tokenizer (" + e.getMessage() + ")");
        }
        AtomicFiles.write(target, out -> out.write(bytes));
    }

    private static void special(ArrayNode a, String id, int type) {
        a.addObject().putObject("SpecialToken").put("id", id).put("type_id", type);
    }

    private static void sequence(ArrayNode a, String id, int type) {
        a.addObject().putObject("Sequence").put("id", id).put("type_id", type);
    }
}
