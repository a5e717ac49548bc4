package org.petl.tasks.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.petl.core.io.AtomicFiles;
import org.petl.core.io.Safetensors;
import org.petl.core.tensor.HostTensor;

/**
 * A training checkpoint folder: {@code adapter.safetensors} (the trainable parameters), {@code optimizer.safetensors}
 * (AdamW step and moments, see {@link AdamW#exportState()}) and {@code state.json} (loop position, RNG state, best
 * metric, config, and the SHA-256 of the two tensor files).
 *
 * <p>Crash safety: everything is written into a hidden temp folder next to the target, {@code state.json} last, then
 * the folder is renamed into place (an existing target is first renamed aside, then deleted). A reader only accepts a
 * folder whose {@code state.json} parses and whose file hashes match, so a kill at any point leaves either the previous
 * checkpoint or the new one, never a mix; {@link #latest} skips leftovers, and {@link #read} restores a target that
 * was renamed aside when the kill fell between the two renames.
 */
public final class Checkpoint {

    public static final String ADAPTER = "adapter.safetensors", OPTIMIZER = "optimizer.safetensors", STATE = "state.json";
    public static final String PREFIX = "checkpoint-";
    static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Checkpoint() {
    }

    /**
     * The training loop's position. {@code positionInEpoch} counts examples (or batches, as the trainer decides)
     * already consumed in {@code epoch}; {@code rngState} is {@link RunRng#state()}; {@code bestMetric}/{@code bestStep}
     * are null before the first evaluation.
     */
    public record State(long step, int epoch, long positionInEpoch, long[] rngState, Double bestMetric, Long bestStep,
                        Map<String, Object> config) {
        public State {
            if (step < 0 || epoch < 0 || positionInEpoch < 0) throw new IllegalArgumentException("negative step/epoch/position");
            rngState = rngState.clone();
            config = config == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(config));
        }
    }

    public record Loaded(Path dir, Map<String, HostTensor> adapter, Map<String, HostTensor> optimizer, State state) {
    }

    /** Test seam: called after each file is written into the temp folder, so a test can "kill" the write there. */
    @FunctionalInterface
    interface Hook {
        void after(String file) throws IOException;
    }

    /** {@code runDir/checkpoint-<step>}. */
    public static Path dirFor(Path runDir, long step) {
        return runDir.resolve(PREFIX + step);
    }

    public static Path write(Path dir, Map<String, HostTensor> adapter, Map<String, HostTensor> optimizer, State state) {
        return write(dir, adapter, optimizer, state, f -> { });
    }

    static Path write(Path dir, Map<String, HostTensor> adapter, Map<String, HostTensor> optimizer, State state, Hook hook) {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        String name = target.getFileName().toString();
        Path tmp = parent.resolve("." + name + ".tmp-" + System.nanoTime());
        try {
            Files.createDirectories(tmp);
            Safetensors.write(tmp.resolve(ADAPTER), adapter, Map.of("format", "petl-adapter"));
            hook.after(ADAPTER);
            Safetensors.write(tmp.resolve(OPTIMIZER), optimizer, Map.of("format", "petl-optimizer"));
            hook.after(OPTIMIZER);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("format", "petl-checkpoint");
            json.put("version", FORMAT_VERSION);
            json.put("state", state);
            json.put("sha256", Map.of(ADAPTER, sha256(tmp.resolve(ADAPTER)), OPTIMIZER, sha256(tmp.resolve(OPTIMIZER))));
            AtomicFiles.writeString(tmp.resolve(STATE), JSON.writeValueAsString(json));
            hook.after(STATE);
            if (Files.exists(target)) {
                Path old = parent.resolve("." + name + ".old-" + System.nanoTime());
                move(target, old);
                move(tmp, target);
                deleteTree(old);
            } else {
                move(tmp, target);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        } finally {
            if (Files.exists(tmp)) deleteTree(tmp);
        }
    }

    /** True when {@code dir} holds a complete, consistent checkpoint. */
    public static boolean isComplete(Path dir) {
        try {
            readState(dir, true);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Reads a complete checkpoint; an incomplete or corrupt one is an {@link IllegalStateException} naming the problem. */
    public static Loaded read(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        recoverRenamedAside(d);
        State s = readState(d, true);
        return new Loaded(d, Safetensors.read(d.resolve(ADAPTER)), Safetensors.read(d.resolve(OPTIMIZER)), s);
    }

    /** The complete {@code checkpoint-<step>} folder with the highest step in {@code runDir}, if any. */
    public static Optional<Path> latest(Path runDir) {
        if (!Files.isDirectory(runDir)) return Optional.empty();
        try (Stream<Path> s = Files.list(runDir)) {
            return s.filter(p -> p.getFileName().toString().matches(PREFIX + "\\d+"))
                    .sorted(Comparator.comparingLong((Path p) -> Long.parseLong(p.getFileName().toString().substring(PREFIX.length()))).reversed())
                    .filter(Checkpoint::isComplete)
                    .findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + runDir + ": " + e.getMessage(), e);
        }
    }

    private static State readState(Path dir, boolean verifyHashes) {
        Path sj = dir.resolve(STATE);
        if (!Files.isRegularFile(sj)) throw new IllegalStateException(dir + " is not a complete checkpoint (no " + STATE + ")");
        try {
            JsonNode root = JSON.readTree(sj.toFile());
            if (!"petl-checkpoint".equals(root.path("format").asText()) || root.path("version").asInt() != FORMAT_VERSION) {
                throw new IllegalStateException(sj + ": not a petl checkpoint of format version " + FORMAT_VERSION);
            }
            if (verifyHashes) {
                for (String f : new String[]{ADAPTER, OPTIMIZER}) {
                    String want = root.path("sha256").path(f).asText();
                    Path p = dir.resolve(f);
                    if (!Files.isRegularFile(p) || !want.equals(sha256(p))) {
                        throw new IllegalStateException(dir + ": " + f + " is missing or does not match its hash in " + STATE);
                    }
                }
            }
            return JSON.treeToValue(root.get("state"), State.class);
        } catch (IOException e) {
            throw new IllegalStateException(sj + ": unreadable (" + e.getMessage() + ")", e);
        }
    }

    /** A kill between "rename target aside" and "rename temp into place" leaves only {@code .name.old-*}; put it back. */
    private static void recoverRenamedAside(Path target) {
        if (Files.exists(target)) return;
        String prefix = "." + target.getFileName() + ".old-";
        try (Stream<Path> s = Files.list(target.getParent())) {
            Optional<Path> aside = s.filter(p -> p.getFileName().toString().startsWith(prefix)).filter(Checkpoint::isComplete)
                    .max(Comparator.comparing(p -> p.getFileName().toString()));
            if (aside.isPresent()) move(aside.get(), target);
        } catch (IOException e) {
            // nothing to recover; read() reports the missing checkpoint
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static String sha256(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(q -> {
                try {
                    Files.deleteIfExists(q);
                } catch (IOException ignored) {
                    // best effort: leftovers are hidden and ignored by readers
                }
            });
        } catch (IOException ignored) {
            // already gone
        }
    }
}
