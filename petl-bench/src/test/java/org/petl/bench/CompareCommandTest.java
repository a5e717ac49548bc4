package org.petl.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CompareCommandTest {

    @Test
    void planEntriesCarryLearningRateEpochsAndAFolder() {
        List<CompareCommand.Entry> p = CompareCommand.parsePlan("full@1e-4x2; lora:r=8,s=2@3e-3 ;pa:r=32x3", 5e-4, 1);
        assertEquals(new CompareCommand.Entry("full", 1e-4, 2, "full"), p.get(0));
        assertEquals(new CompareCommand.Entry("lora:r=8,s=2", 3e-3, 1, "lora_r=8_s=2"), p.get(1));
        assertEquals(new CompareCommand.Entry("pa:r=32", 5e-4, 3, "pa_r=32"), p.get(2));
    }

    @Test
    void aSweepOfOneMethodGetsOneFolderPerSetting() {
        List<CompareCommand.Entry> p = CompareCommand.parsePlan("mam:l=16@6e-3;mam:l=16@1.5e-3;lora", 1e-3, 1);
        assertEquals(3, p.stream().map(CompareCommand.Entry::folder).distinct().count(), p.toString());
        assertEquals("lora", p.get(2).folder());
        assertNotEquals(p.get(0).folder(), p.get(1).folder());
        assertThrows(IllegalArgumentException.class, () -> CompareCommand.parsePlan("lora@1e-3;lora@1e-3", 1e-3, 1));
        assertThrows(IllegalArgumentException.class, () -> CompareCommand.parsePlan(" ; ", 1e-3, 1));
        assertThrows(IllegalArgumentException.class, () -> CompareCommand.parsePlan("lora@fast", 1e-3, 1));
    }

    @Test
    void eachTaskHasItsOwnDefaultFolderSoTheSecondMainJobDoesNotMeetTheFirstsRuns() {
        assertEquals(java.nio.file.Path.of("runs/compare"), CompareCommand.defaultOut("polarity"));
        assertEquals(java.nio.file.Path.of("runs/compare-debsum"), CompareCommand.defaultOut("debsum"));
        assertEquals(java.nio.file.Path.of("runs/compare-l10n-en-ro"), CompareCommand.defaultOut("L10N-en-ro"));
        assertEquals(java.nio.file.Path.of("runs/compare-_x"), CompareCommand.defaultOut("../x"));
    }

    @Test
    void theSecondMainJobSizesApplyToEveryOptionNotGiven() {
        CompareCommand c = new CompareCommand();
        new picocli.CommandLine(c).parseArgs("--task", "debsum", "--train-size", "64", "--batch", "8");
        c.applyMainJobSizes();
        Seq2SeqRuns.MainJob job = Seq2SeqRuns.MAIN_JOBS.get("debsum");
        assertEquals(64, c.seq2seq.trainSize, "given on the command line: kept");
        assertEquals(8, c.run.batch);
        assertEquals(job.devSize(), c.seq2seq.devSize);
        assertEquals(job.testSize(), c.seq2seq.testSize);
        assertEquals(job.maxSource(), c.seq2seq.maxSource);
        assertEquals(job.maxTarget(), c.seq2seq.maxTarget);
        assertEquals(job.minLength(), c.seq2seq.minLength);
        assertEquals(job.noRepeatNgram(), c.seq2seq.noRepeatNgram);
        CompareCommand mine = new CompareCommand();
        new picocli.CommandLine(mine).parseArgs("--task", "debsum", "--no-repeat-ngram", "0");
        mine.applyMainJobSizes();
        assertEquals(0, mine.seq2seq.noRepeatNgram, "given on the command line: kept");

        CompareCommand xsum = new CompareCommand();
        new picocli.CommandLine(xsum).parseArgs("--task", "xsum");
        xsum.applyMainJobSizes();
        assertEquals(0, xsum.seq2seq.trainSize, "a user's own task keeps the whole split");
        assertEquals(32, xsum.run.batch);
    }

    @Test
    void automaticJobsStayWithinCoresAndMemory() {
        int jobs = CompareCommand.autoJobs();
        assertTrue(jobs >= 1 && jobs <= Runtime.getRuntime().availableProcessors(), "jobs " + jobs);
    }
}
