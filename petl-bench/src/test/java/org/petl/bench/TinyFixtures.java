package org.petl.bench;

import org.petl.models.tokenize.WordPieceTokenizerJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Real files for CLI tests: the paper code's tiny RoBERTa (golden petl-reference/roberta/base.safetensors, 2 layers,
 * d=32, 120 ids, 64 positions) as a Hugging Face folder with a WordPiece tokenizer over its 120 ids, and a small
 * SST-2-format task on it (label: whether the sentence holds the word w7).
 */
final class TinyFixtures {

    static final String CONFIG = """
            {"model_type": "roberta", "num_hidden_layers": 2, "hidden_size": 32, "num_attention_heads": 4,
             "intermediate_size": 64, "vocab_size": 120, "max_position_embeddings": 64, "type_vocab_size": 1,
             "layer_norm_eps": 1e-5, "hidden_act": "gelu", "pad_token_id": 1}
            """;

    private TinyFixtures() {
    }

    static Path shared() {
        String prop = System.getProperty("petl.shared");
        Path p = prop != null ? Path.of(prop) : Path.of("..", "..", "shared");
        return Files.isDirectory(p) ? p : Path.of("..", "..", "shared");
    }

    static Path baseWeights() {
        return shared().resolve("golden/petl-reference/roberta/base.safetensors");
    }

    /** The tiny RoBERTa as an HF folder; {@code vocabSize} entries in the tokenizer (120 fits the model). */
    static Path model(Path dir, int vocabSize) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), CONFIG);
        Files.copy(baseWeights(), dir.resolve("model.safetensors"));
        List<String> vocab = new ArrayList<>(List.of("[CLS]", "[PAD]", "[SEP]", "[UNK]", "[MASK]"));
        for (int i = 0; vocab.size() < vocabSize; i++) vocab.add("w" + i);
        Path vocabTxt = dir.resolve("vocab.txt");
        Files.write(vocabTxt, vocab);
        WordPieceTokenizerJson.write(vocabTxt, true, dir.resolve("tokenizer.json"));
        return dir;
    }

    /** SST-2 TSVs: train (48 rows), dev (16 rows); label 1 when the sentence holds w7. */
    static Path sst2(Path dir) throws IOException {
        Files.createDirectories(dir);
        Random rnd = new Random(5);
        Files.write(dir.resolve("train.tsv"), rows(rnd, 48));
        Files.write(dir.resolve("dev.tsv"), rows(rnd, 16));
        return dir;
    }

    private static List<String> rows(Random rnd, int n) {
        List<String> out = new ArrayList<>(List.of("sentence\tlabel"));
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder();
            boolean pos = i % 2 == 0;
            int len = 3 + rnd.nextInt(6);
            for (int k = 0; k < len; k++) {
                int w = 8 + rnd.nextInt(100);
                if (pos && k == len / 2) w = 7;
                b.append(k == 0 ? "" : " ").append('w').append(w);
            }
            out.add(b + "\t" + (pos ? 1 : 0));
        }
        return out;
    }

    /** {@code train} arguments for a quick run of the tiny model on the tiny task (one epoch, batch 8). */
    static List<String> train(Path model, Path data, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--weights", model.toString(), "--task", "sst2", "--data", data.toString(),
                "--method", "lora:r=2", "--epochs", "1", "--batch", "8", "--lr", "1e-2", "--out", out.toString()));
        for (int i = 0; i < more.length; i++) {
            int at = a.indexOf(more[i]);
            boolean valued = i + 1 < more.length && !more[i + 1].startsWith("--");
            if (at >= 0 && valued) {
                a.set(at + 1, more[++i]);       // an option the defaults already set: the row's value wins
            } else {
                a.add(more[i]);
                if (valued) a.add(more[++i]);
            }
        }
        return a;
    }
}
