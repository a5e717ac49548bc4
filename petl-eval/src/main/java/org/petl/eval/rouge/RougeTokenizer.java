package org.petl.eval.rouge;

import org.petl.eval.PyStrings;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * rouge_score's default tokenizer: Python-lowercase, every run outside [a-z0-9] becomes a break,
 * and with stemming each token longer than 3 chars goes through NLTK's Porter stemmer.
 * Not thread-safe (the stem cache is a plain HashMap); use one per thread.
 */
public final class RougeTokenizer {
    private final PorterStemmer stemmer;
    // summaries repeat words heavily; the cache makes stemming nearly free after warm-up
    private final Map<String, String> stemCache = new HashMap<>();

    public RougeTokenizer(boolean useStemmer) {
        this.stemmer = useStemmer ? new PorterStemmer() : null;
    }

    public boolean stems() { return stemmer != null; }

    public List<String> tokenize(String text) {
        // full Unicode lowercasing matters: 'İ' lowers to "i\u0307", and the 'i' is then a token char
        String lower = PyStrings.lower(text);
        List<String> tokens = new ArrayList<>();
        int n = lower.length(), i = 0;
        while (i < n) {
            while (i < n && !isTokenChar(lower.charAt(i))) i++;
            int start = i;
            while (i < n && isTokenChar(lower.charAt(i))) i++;
            if (i > start) tokens.add(stem(lower.substring(start, i)));
        }
        return tokens;
    }

    private String stem(String token) {
        if (stemmer == null || token.length() <= 3) return token;
        String s = stemCache.get(token);
        if (s == null) {
            s = stemmer.stem(token);
            stemCache.put(token, s);
        }
        return s;
    }

    private static boolean isTokenChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }
}
