package org.petl.tasks.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.core.tensor.HostTensor;

class CheckpointTest {

    @TempDir
    Path run;

    static Map<String, HostTensor> adapter(float x) {
        return Map.of("layer.0.lora_A", HostTensor.of(new float[]{x, x + 1, x + 2, x + 3}, 2, 2),
                "layer.0.lora_B", HostTensor.of(new float[]{-x}, 1));
    }

    static Checkpoint.State state(long step) {
        return new Checkpoint.State(step, 1, 96, new RunRng(5).state(), 0.875, 20L, Map.of("lr", 1e-3, "method", "lora", "rank", 8));
    }

    static Map<String, HostTensor> optimizer(long step) {
        AdamW a = AdamW.withHfDecayRule(AdamW.Config.defaults(0.01));
        var p = Map.of("layer.0.lora_A", org.nd4j.linalg.factory.Nd4j.createFromArray(new float[]{1, 2}));
        for (long i = 0; i < step % 5 + 1; i++) a.step(p, Map.of("layer.0.lora_A", org.nd4j.linalg.factory.Nd4j.createFromArray(new float[]{0.1f, -0.2f})), 0.01);
        return a.exportState();
    }

    @Test
    void roundTrip() {
        Path dir = Checkpoint.write(Checkpoint.dirFor(run, 30), adapter(1), optimizer(30), state(30));
        assertEquals(run.resolve("checkpoint-30").toAbsolutePath(), dir);
        assertTrue(Files.isRegularFile(dir.resolve(Checkpoint.STATE)));
        Checkpoint.Loaded l = Checkpoint.read(dir);
        assertArrayEquals(adapter(1).get("layer.0.lora_A").data(), l.adapter().get("layer.0.lora_A").data());
        assertArrayEquals(new long[]{2, 2}, l.adapter().get("layer.0.lora_A").shape());
        assertEquals(optimizer(30).keySet(), l.optimizer().keySet());
        Checkpoint.State s = l.state();
        assertEquals(30, s.step());
        assertEquals(1, s.epoch());
        assertEquals(96, s.positionInEpoch());
        assertArrayEquals(new RunRng(5).state(), s.rngState());
        assertEquals(0.875, s.bestMetric());
        assertEquals(20L, s.bestStep());
        assertEquals("lora", s.config().get("method"));
        assertEquals(8, ((Number) s.config().get("rank")).intValue());
        // the optimizer state resumes
        AdamW resumed = AdamW.withHfDecayRule(AdamW.Config.defaults(0.01));
        resumed.importState(l.optimizer());
        assertEquals(1, resumed.step());
        assertEquals(Optional.of(dir), Checkpoint.latest(run));
    }

    @Test
    void killMidWriteLeavesThePreviousCheckpointIntact() {
        Path c30 = Checkpoint.write(Checkpoint.dirFor(run, 30), adapter(1), optimizer(30), state(30));
        for (String killAfter : List.of(Checkpoint.ADAPTER, Checkpoint.OPTIMIZER, Checkpoint.STATE)) {
            // a new checkpoint dies half-way
            assertThrows(RuntimeException.class, () -> Checkpoint.write(Checkpoint.dirFor(run, 40), adapter(2), optimizer(40), state(40),
                    f -> { if (f.equals(killAfter)) throw new IOException("killed after " + f); }));
            assertFalse(Files.exists(Checkpoint.dirFor(run, 40)), "no half checkpoint-40 after a kill after " + killAfter);
            // overwriting the same folder dies half-way: the old content stays
            assertThrows(RuntimeException.class, () -> Checkpoint.write(c30, adapter(9), optimizer(31), state(31),
                    f -> { if (f.equals(killAfter)) throw new IOException("killed after " + f); }));
            Checkpoint.Loaded l = Checkpoint.read(c30);
            assertEquals(30, l.state().step());
            assertArrayEquals(adapter(1).get("layer.0.lora_A").data(), l.adapter().get("layer.0.lora_A").data());
            assertEquals(Optional.of(c30), Checkpoint.latest(run));
        }
    }

    @Test
    void leftoversOfAHardKillAreIgnored() throws IOException {
        Path c30 = Checkpoint.write(Checkpoint.dirFor(run, 30), adapter(1), optimizer(30), state(30));
        // a process killed mid-write (no cleanup): a partial temp folder, and a checkpoint folder without state.json
        Path tmp = Files.createDirectories(run.resolve(".checkpoint-50.tmp-123"));
        Files.write(tmp.resolve(Checkpoint.ADAPTER), new byte[]{1, 2, 3});
        Path c60 = Files.createDirectories(run.resolve("checkpoint-60"));
        Files.copy(c30.resolve(Checkpoint.ADAPTER), c60.resolve(Checkpoint.ADAPTER));
        // and one whose adapter was truncated after state.json named its hash
        Path c70 = Checkpoint.write(Checkpoint.dirFor(run, 70), adapter(3), optimizer(70), state(70));
        Files.write(c70.resolve(Checkpoint.ADAPTER), new byte[]{0});
        assertFalse(Checkpoint.isComplete(c60));
        assertFalse(Checkpoint.isComplete(c70));
        assertEquals(Optional.of(c30), Checkpoint.latest(run));
        var e = assertThrows(IllegalStateException.class, () -> Checkpoint.read(c60));
        assertTrue(e.getMessage().contains("no state.json"), e.getMessage());
        assertEquals(30, Checkpoint.read(c30).state().step());
    }

    @Test
    void aKillBetweenTheTwoRenamesIsRecovered() throws IOException {
        Path c30 = Checkpoint.write(Checkpoint.dirFor(run, 30), adapter(1), optimizer(30), state(30));
        Files.move(c30, run.resolve(".checkpoint-30.old-99")); // renamed aside, new one never moved in
        assertEquals(30, Checkpoint.read(c30).state().step());
        assertTrue(Files.isDirectory(c30));
    }

    @Test
    void noCheckpointYet() {
        assertEquals(Optional.empty(), Checkpoint.latest(run));
        assertEquals(Optional.empty(), Checkpoint.latest(run.resolve("missing")));
    }
}
