package org.petl.eval.rouge;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The linear-memory LCS paths against the full DP table they replace (rouge_score's _lcs_table / _backtrack_norec). */
class RougeLcsTest {

    /** rouge_score's table and backtrack, kept here as the oracle. */
    static int[][] fullTable(List<String> ref, List<String> can) {
        int[][] t = new int[ref.size() + 1][can.size() + 1];
        for (int i = 1; i <= ref.size(); i++) {
            for (int j = 1; j <= can.size(); j++) {
                t[i][j] = ref.get(i - 1).equals(can.get(j - 1)) ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
            }
        }
        return t;
    }

    static boolean[] fullBacktrack(List<String> ref, List<String> can) {
        int[][] t = fullTable(ref, can);
        boolean[] mark = new boolean[ref.size()];
        int i = ref.size(), j = can.size();
        while (i > 0 && j > 0) {
            if (ref.get(i - 1).equals(can.get(j - 1))) {
                mark[i - 1] = true;
                i--;
                j--;
            } else if (t[i][j - 1] > t[i - 1][j]) {
                j--;
            } else {
                i--;
            }
        }
        return mark;
    }

    static List<String> random(Random r, int n, int vocab) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add("t" + r.nextInt(vocab));
        return out;
    }

    @Test
    void lengthAndBacktrackEqualTheFullTable() throws Exception {
        Random r = new Random(11);
        var mark = RougeScorer.class.getDeclaredMethod("markLcs", List.class, List.class, boolean[].class);
        mark.setAccessible(true);
        for (int trial = 0; trial < 300; trial++) {
            List<String> a = random(r, r.nextInt(60), 2 + r.nextInt(8)), b = random(r, r.nextInt(60), 2 + r.nextInt(8));
            int[][] t = fullTable(a, b);
            assertEquals(t[a.size()][b.size()], RougeScorer.lcsLength(a, b), a + " / " + b);
            boolean[] got = new boolean[a.size()];
            mark.invoke(null, a, b, got);
            assertEquals(java.util.Arrays.toString(fullBacktrack(a, b)), java.util.Arrays.toString(got), a + " / " + b);
        }
    }

    @Test
    void longTextsAreRefusedWithTheReasonNotAnOutOfMemoryError() {
        List<String> big = random(new Random(1), 40_000, 50);
        var e = assertThrows(IllegalArgumentException.class, () -> RougeScorer.lcsScore(big, big));
        assertTrue(e.getMessage().contains("40,000 target x 40,000 prediction tokens") && e.getMessage().contains("split the texts"), e.getMessage());
        // 8,000 x 8,000 runs in two rows of ints (the full table would be 256 MB)
        List<String> mid = random(new Random(2), 8_000, 50);
        assertTrue(RougeScorer.lcsScore(mid, mid).fmeasure() == 1.0);
    }
}
