package org.petl.tasks.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * debsum and l10n-en-ro on the real installed data ({@code bash scripts/install-data.sh debsum l10n-en-ro}, which the
 * default set-up does not run: hence slow). Absent data fails with the install hint.
 */
@Tag("slow")
class StandInsRealDataTest {

    static Seq2SeqTaskData load(String task) {
        try {
            return Seq2SeqTasks.load(task, null);
        } catch (DataMissingException e) {
            return fail(e.getMessage());
        }
    }

    @Test
    void debsumSplitsBySourcePackageWithoutDuplicates() {
        Seq2SeqTaskData d = load("debsum");
        System.out.println("debsum: " + d.sizes() + "; " + d.notes());
        assertTrue(d.train().size() > 30_000, d.sizes());
        assertTrue(d.dev().size() > 1_000 && d.others().get("test").size() > 1_000, d.sizes());
        Map<String, String> sourceOf = StandIns.readSources(d.train().provenance().get(1).source());
        Map<String, String> splitOfSource = new HashMap<>();
        Set<String> descriptions = new HashSet<>();
        d.all().forEach((split, ds) -> ds.examples().forEach(e -> {
            String src = sourceOf.getOrDefault(e.id(), e.id());
            String before = splitOfSource.putIfAbsent(src, split);
            assertTrue(before == null || before.equals(split), "source package " + src + " in " + before + " and " + split);
            assertTrue(descriptions.add(e.source()), "duplicate description of " + e.id());
        }));
        // -dev/-doc siblings of one source stay together (glibc: libc6, libc6-dev, libc6-doc…)
        assertEquals("glibc", sourceOf.get("libc6-dev"));
        // the same files give the same split, pair for pair
        assertEquals(d.dev().examples(), Seq2SeqTasks.load("debsum", null).dev().examples());
    }

    @Test
    void l10nEnRoIsRomanianAndDeduplicated() {
        Seq2SeqTaskData d = load("l10n-en-ro");
        System.out.println("l10n-en-ro: " + d.sizes() + "; " + d.notes());
        assertTrue(d.train().size() > 8_000, d.sizes());
        Set<String> english = new HashSet<>();
        long diacritics = 0;
        for (Seq2SeqDataset ds : d.all().values()) {
            for (Seq2SeqExample e : ds.examples()) {
                assertTrue(english.add(e.source()), "duplicate English " + e.source());
                assertFalse(e.source().contains("~") || e.target().contains("~"), e.toString());
                if (e.target().matches(".*[ăâîșțşţ].*")) diacritics++;
            }
        }
        assertTrue(diacritics > english.size() / 4, "Romanian text: " + diacritics + " of " + english.size() + " targets carry diacritics");
        assertEquals(d.dev().examples(), Seq2SeqTasks.load("l10n-en-ro", null).dev().examples());
    }
}
