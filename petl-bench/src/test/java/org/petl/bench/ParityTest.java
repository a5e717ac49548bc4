package org.petl.bench;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SameDiff BERT matches the original MiniLM and bge ONNX graphs run by onnxruntime. */
class ParityTest {

    /** Real sentences of very different lengths, so every batch is padded. */
    static final List<String> SENTENCES = List.of(
            "Yes.",
            "The film is a charming, if slight, romantic comedy.",
            "It's a long, dull ride to nowhere, and the actors seem to know it.",
            "A masterpiece four years in the making.",
            "Too slow, too long and too little happens.",
            "The performances are uniformly excellent, but the script lets them down at every turn, especially in the overlong final act.",
            "Funny.",
            "What a waste of talent!",
            "This is one of those movies that you forget about as soon as the credits roll.",
            "Neither the story nor the direction rises above the level of a made-for-television melodrama.",
            "An intelligent, moving and beautifully photographed film about grief, memory and the stubborn persistence of hope in a small town.",
            "I laughed, I cried, I bought the soundtrack.",
            "Debian is a free operating system developed by volunteers.",
            "The package provides a command-line tool to convert between image formats.",
            "Translate the user interface strings into Romanian.",
            "Paris is the capital of France.",
            "He scored 3,5 points in 12 minutes on 2024-05-01.",
            "\"Quotes\", (brackets) and punctuation; all in one line...",
            "unaffable reviewers rarely enjoy blockbuster sequels",
            "Résumé, naïve café and jalapeño are words with accents.",
            "The quick brown fox jumps over the lazy dog while the cat watches from the warm windowsill, unimpressed by the display.",
            "ok",
            "Why do the characters keep making such obviously terrible decisions?",
            "A thoroughly enjoyable piece of entertainment.");

    @ParameterizedTest
    @ValueSource(strings = {"minilm-l6", "bge-small"})
    void samediffEncoderMatchesOnnxruntime(String model) {
        Parity.Result r = Parity.run(model, SENTENCES, 8, 128);
        assertEquals(24, r.sentences());
        assertEquals(3, r.batches());
        assertTrue(r.tokens() > 300, "tokens " + r.tokens());
        assertTrue(r.maxAbsDiff() <= 1e-4, model + ": max |diff| " + r.maxAbsDiff() + " over " + r.tokens() + " tokens");
    }
}
