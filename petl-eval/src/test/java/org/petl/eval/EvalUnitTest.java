package org.petl.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.petl.eval.bleu.Bleu;
import org.petl.eval.bleu.BleuConfig;
import org.petl.eval.bleu.BleuTokenizer;
import org.petl.eval.bleu.RomanianNormalizer;
import org.petl.eval.rouge.BootstrapAggregator;
import org.petl.eval.rouge.PorterStemmer;
import org.petl.eval.rouge.RougeScorer;
import org.petl.eval.rouge.RougeType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Building blocks: Python string semantics, stemmer, Romanian protocol, accuracy, numpy-exact bootstrap. */
class EvalUnitTest {

    @Test
    void pythonWhitespaceAndCase() {
        assertEquals(List.of("a", "b", "c", "d", "e"), PyStrings.split(" a\u00A0b\u202Fc\u3000d\u001Ce \u0085"));
        assertEquals("x\u200B", PyStrings.rstrip("x\u200B\u2028\u00A0 ")); // zero-width space is not whitespace
        assertEquals("i\u0307stanbul", PyStrings.lower("İSTANBUL"));
        assertEquals("0.12", PyStrings.fixed(0.125, 2)); // half-to-even on the exact binary value
        assertEquals("2.67", PyStrings.fixed(2.675, 2)); // 2.675 is 2.67499999... in binary
        assertEquals("100.00", PyStrings.fixed(100.00000000000004, 2));
    }

    @ParameterizedTest
    @CsvSource({"this,thi", "does,doe", "uses,use", "dies,die", "flies,fli", "died,die", "denied,deni", "happy,happi",
            "enjoy,enjoy", "news,news", "proceed,proceed", "skies,sky", "dying,die", "caresses,caress", "agreed,agre",
            "meeting,meet", "stating,state", "itemization,item", "sensational,sensat", "traditional,tradit",
            "plotted,plot", "hopping,hop", "filing,file", "generalization,gener", "ab,ab"})
    void nltkPorterStems(String word, String stem) {
        assertEquals(stem, new PorterStemmer().stem(word));
    }

    @Test
    void romanianProtocol() {
        assertEquals("Si tara in Romania, STAT A", RomanianNormalizer.normalize("Şi ţară în România, ȘȚAȚ Ă"));
        Bleu ro = new Bleu(BleuConfig.sentenceDefaults().withTokenizer(BleuTokenizer.None.INSTANCE).withRomanianNormalize(true));
        // cedilla, comma-below and no diacritics all score as the same string
        assertEquals(100.00000000000004, ro.sentenceScore("ştiinţă şi artă", List.of("știință și arta")).score(), 1e-9);
    }

    @Test
    void accuracyAndSplits() {
        assertEquals(new Accuracy.Result(2, 4, 0.5), Accuracy.of(List.of(1, 0, 2, 2), List.of(1, 1, 2, 0)));
        Map<String, Accuracy.Split<String>> splits = new LinkedHashMap<>();
        splits.put("matched", new Accuracy.Split<>(List.of("e", "n"), List.of("e", "n")));
        splits.put("mismatched", new Accuracy.Split<>(List.of("e", "c", "n"), List.of("c", "c", "n")));
        Map<String, Accuracy.Result> r = Accuracy.bySplit(splits);
        assertEquals(1.0, r.get("matched").accuracy());
        assertEquals(2.0 / 3, r.get("mismatched").accuracy());
        assertThrows(IllegalArgumentException.class, () -> Accuracy.of(List.of(1), List.of(1, 2)));
    }

    @Test
    void numpyLegacyChoice() {
        // np.random.seed(7); np.random.choice(np.arange(11334), size=8)
        assertArrayEquals(new int[] {9412, 537, 10742, 5699, 4307, 919, 1372, 7566}, new NumpyLegacyRandom(7).choice(11334, 8));
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 2, 0, 1}, new NumpyLegacyRandom(7).choice(3, 8));
    }

    @Test
    void bootstrapMatchesNumpy() {
        // rouge_score's _bootstrap_resample run twice after np.random.seed(12345) (numpy 2.4), printed with repr
        double[][] m = {{0.1, 0.2, 0.3}, {0.5, 0.25, 0.125}, {1 / 3.0, 2 / 3.0, 0.7}, {0.9, 0.05, 0.4}, {0.0, 1.0, 0.6},
                {0.7142857142857143, 0.3, 0.11}, {0.21, 0.37, 0.93}};
        NumpyLegacyRandom rng = new NumpyLegacyRandom(12345);
        ConfidenceInterval[] first = Bootstrap.intervals(m, 1000, 0.95, rng);
        assertEquals(new ConfidenceInterval(0.18190476190476193, 0.3972789115646259, 0.6145221088435373), first[0]);
        assertEquals(new ConfidenceInterval(0.20523809523809525, 0.3966666666666667, 0.6380952380952382), first[1]);
        assertEquals(new ConfidenceInterval(0.2492857142857143, 0.4507142857142857, 0.6657142857142857), first[2]);
        ConfidenceInterval[] second = Bootstrap.intervals(m, 1000, 0.95, rng);
        assertEquals(new ConfidenceInterval(0.17486224489795923, 0.4007482993197279, 0.6368180272108843), second[0]);
        assertEquals(new ConfidenceInterval(0.19285714285714284, 0.38857142857142857, 0.6333690476190474), second[1]);
        assertEquals(new ConfidenceInterval(0.25142857142857145, 0.45071428571428573, 0.6657142857142857), second[2]);
    }

    @Test
    void aggregatorIsSeededAndBracketsTheMean() {
        RougeScorer scorer = new RougeScorer(true);
        BootstrapAggregator agg = new BootstrapAggregator();
        String[][] pairs = {{"the cat sat on the mat", "a cat sat on a mat"}, {"dogs are running fast", "the dog runs"},
                {"library for processes", "process library"}, {"nothing in common", "zebra"}};
        for (String[] p : pairs) agg.addScores(scorer.score(p[0], p[1]));
        var a = agg.aggregate(1);
        assertEquals(a, agg.aggregate(1));
        var f = a.get(RougeType.ROUGE1);
        assertEquals(true, f.low().fmeasure() <= f.mid().fmeasure() && f.mid().fmeasure() <= f.high().fmeasure());
    }
}
