package org.petl.models.tokenize;

import java.io.IOException;
import java.nio.file.Path;

/** Lets tests in other packages reuse the tokenizer fixtures. */
public final class TokenizerTestAccess {
    private TokenizerTestAccess() {
    }

    public static Path miniLmVocab(Path dir) throws IOException {
        return TokenizerTest.miniLmVocab(dir);
    }

    public static void assertSameEncodings(TextTokenizer expected, TextTokenizer actual) {
        TokenizerTest.assertSameEncodings(expected, actual);
    }
}
