package org.petl.tasks.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.core.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A training run's folder as one object: its layout ({@code run.json}, {@code checkpoint-<step>/}, {@code best/},
 * {@code adapter/}, {@code metrics.json}), the exclusive lock a run holds on it, the hash of the run's defining
 * configuration, and the checkpoints it may prune.
 *
 * <ul>
 *   <li><b>Lock.</b> {@code .petl-lock} is locked with an OS file lock for as long as the run is open and names its
 *       holder (pid, start time, host). A second run into the folder fails at once naming the holder. The OS drops
 *       the lock when a process dies, so a killed run's lock is stale by construction: the next run takes it over
 *       and says whose it was. The lock file itself is never deleted (deleting it would let two runs lock two
 *       different files of the same name).</li>
 *   <li><b>Refusals.</b> A new run into a folder that holds a run (finished or not) is refused, pointing to
 *       {@code --resume} or a new {@code --out}; {@link Mode#OVERWRITE} removes petl's files first (nothing else).
 *       {@link Mode#RESUME} needs the folder, a matching configuration (hash of {@code run.json}'s defining keys;
 *       a mismatch lists every differing key) and, when checkpoints exist, at least one complete one.</li>
 *   <li><b>Leftovers.</b> Hidden temp files and folders of interrupted atomic writes are removed on open, after
 *       a checkpoint renamed aside by a kill is put back.</li>
 *   <li><b>Interrupts.</b> While open, Ctrl-C or SIGTERM prints where the last complete checkpoint is and that
 *       {@code --resume} continues.</li>
 * </ul>
 */
public final class RunFolder implements AutoCloseable {

    /** How a run treats what is already in its folder. */
    public enum Mode {
        /** the folder must be new or empty */
        NEW,
        /** continue the run in the folder, with the same configuration */
        RESUME,
        /** remove petl's files of whatever run is there, then start */
        OVERWRITE,
        /**
         * resume the run in the folder when there is one (with RESUME's checks), else start one: for callers that
         * key folders by configuration themselves (suites); other files in the folder are left alone
         */
        CONTINUE
    }

    public static final String RUN_JSON = "run.json", LOCK = ".petl-lock", CONFIG_HASH = "config_sha256";
    public static final String BEST = Trainer.BEST_DIR, ADAPTER = "adapter";
    /** Keys of run.json that may change on resume: where the run stops, and the hash itself. */
    static final java.util.Set<String> NOT_DEFINING = java.util.Set.of("max_steps", CONFIG_HASH);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final Path dir;
    private final Mode mode;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Thread onInterrupt;
    private volatile boolean closed;
    private boolean resumed;

    private RunFolder(Path dir, Mode mode, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.mode = mode;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.onInterrupt = new Thread(this::interrupted, "petl-run-interrupt");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
    }

    /**
     * Opens (creating it if needed) and locks {@code dir} for a run whose defining configuration is
     * {@code config} (what {@code run.json} holds: model, task, method, hyper-parameters); writes run.json with its
     * hash. Every refusal is an {@link IllegalStateException} or {@link IllegalArgumentException} with one line
     * naming the folder and what to do.
     */
    public static RunFolder open(Path dir, Mode mode, Map<String, ?> config) {
        Path d = dir.toAbsolutePath().normalize();
        if (Files.isRegularFile(d)) throw new IllegalArgumentException("--out " + dir + ": is a file, not a folder; give a folder for the run");
        if (mode == Mode.RESUME && !Files.isDirectory(d)) {
            throw new IllegalStateException("--resume: " + dir + " does not exist, so there is nothing to resume; drop --resume to start a new run there");
        }
        try {
            Files.createDirectories(d);
        } catch (FileAlreadyExistsException | NotDirectoryException e) {
            throw new IllegalArgumentException("--out " + dir + ": cannot be a folder (" + e.getFile() + " is a file)");
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + dir + ": cannot create the folder (" + reason(e) + ")");
        }
        if (!Files.isWritable(d)) throw new IllegalArgumentException("--out " + dir + ": the folder is not writable");
        FileChannel ch;
        try {
            ch = FileChannel.open(d.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + dir + ": cannot create the lock file " + LOCK + " (" + reason(e) + ")");
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;                       // held by this very JVM (another run in the same process)
        } catch (IOException e) {
            closeQuietly(ch);
            throw new IllegalArgumentException("--out " + dir + ": cannot lock the folder (" + reason(e) + ")");
        }
        if (lock == null) {
            String holder = describeHolder(readHolder(ch));
            closeQuietly(ch);
            throw new IllegalStateException(dir + " is in use by another petl run (" + holder + "); wait for it to finish, or give this run another --out");
        }
        try {
            JsonNode stale = readHolder(ch);
            if (stale != null && stale.has("pid")) {
                System.err.println("note: " + dir + " was locked by " + describeHolder(stale) + ", which is no longer running; lock taken over");
            }
            writeHolder(ch);
            RunFolder run = new RunFolder(d, mode, ch, lock);
            try {
                run.prepare(dir, config);
            } catch (RuntimeException e) {
                run.close();
                throw e;
            }
            return run;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("--out " + dir + ": cannot write the lock file (" + reason(e) + ")", e);
        }
    }

    /** After the lock: leftovers, then the mode's checks against what the folder holds, then run.json. */
    private void prepare(Path shown, Map<String, ?> config) {
        cleanLeftovers();
        Map<String, Object> now = canonical(config);
        boolean hasRun = holdsRun();
        switch (mode) {
            case NEW -> {
                if (hasRun) {
                    throw new IllegalStateException(shown + " already holds " + describeRun() + "; continue it with --resume, give a new --out, "
                            + "or add --overwrite to replace it");
                }
                if (!foreignEntries().isEmpty()) {
                    throw new IllegalStateException(shown + " is not empty and not a petl run folder (it holds " + String.join(", ", foreignEntries())
                            + "); give a new or empty --out");
                }
            }
            case OVERWRITE -> removeRunFiles();
            case CONTINUE -> {
                if (hasRun) checkResume(shown, now);
            }
            case RESUME -> {
                if (!hasRun) throw new IllegalStateException("--resume: " + shown + " holds no petl run (no " + RUN_JSON + ", no checkpoints); drop --resume to start one");
                checkResume(shown, now);
            }
        }
        writeRunJson(now);
    }

    private void checkResume(Path shown, Map<String, Object> now) {
        resumed = true;
        Map<String, Object> was = storedConfig();
        if (was != null) {
            String diff = differences(was, now);
            if (!diff.isEmpty()) {
                throw new IllegalStateException("cannot resume " + shown + ": it was trained with a different configuration (" + diff
                        + "); resume with the same options, or start a new run with another --out");
            }
        }
        List<Path> cks = checkpointDirs();
        if (!cks.isEmpty() && Checkpoint.latest(dir).isEmpty()) {
            throw new IllegalStateException("cannot resume " + shown + ": " + (cks.size() == 1 ? "its only checkpoint is not complete" : "none of its " + cks.size()
                    + " checkpoints is complete") + " (" + firstProblem(cks.get(0)) + "); start again with --overwrite");
        }
        if (cks.isEmpty()) System.err.println("note: " + shown + " has no checkpoint yet; the run starts again from step 0");
    }

    /**
     * Refuses at once, with {@link Mode#NEW}'s message, when {@code dir} already holds a run: for commands that
     * start several runs and should not fail at the tenth.
     */
    public static void requireNoRun(Path dir, String overwriteOption) {
        Path d = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(d)) return;
        RunFolder probe = new RunFolder(d);
        if (probe.holdsRun()) {
            throw new IllegalStateException(dir + " already holds " + probe.describeRun() + "; give a new --out, or add " + overwriteOption + " to replace it");
        }
    }

    /** A read-only view for inspection: no lock, no hook. */
    private RunFolder(Path dir) {
        this.dir = dir;
        this.mode = Mode.NEW;
        this.lockChannel = null;
        this.lock = null;
        this.onInterrupt = null;
        this.closed = true;
    }

    public Path dir() {
        return dir;
    }

    public Mode mode() {
        return mode;
    }

    /** True when the run continues from the folder's checkpoints (RESUME, or CONTINUE into a folder with a run). */
    public boolean resuming() {
        return resumed;
    }

    public Path runJson() {
        return dir.resolve(RUN_JSON);
    }

    public Path bestDir() {
        return dir.resolve(BEST);
    }

    public Path adapterDir() {
        return dir.resolve(ADAPTER);
    }

    public Path metricsFile() {
        return dir.resolve(MetricsReport.METRICS_JSON);
    }

    public Path checkpointDir(long step) {
        return Checkpoint.dirFor(dir, step);
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Path> latestCheckpoint() {
        return Checkpoint.latest(dir);
    }

    /**
     * Keeps the {@code keep} newest checkpoints up to {@code currentStep} and deletes the older ones. Checkpoints
     * past the current step are never touched: they cannot belong to this run.
     */
    public void prune(long currentStep, int keep) {
        List<Path> mine = checkpointDirs().stream().filter(p -> stepOf(p) <= currentStep).toList();   // newest first
        for (Path p : mine.subList(Math.min(keep, mine.size()), mine.size())) deleteTree(p);
    }

    /** SHA-256 of a configuration's defining keys in canonical form (sorted keys, numbers as JSON writes them). */
    public static String configHash(Map<String, ?> config) {
        Map<String, Object> c = canonical(config);
        NOT_DEFINING.forEach(c::remove);
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(JSON.writeValueAsBytes(c)));
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash the run configuration", e);
        }
    }

    /**
     * True when {@code dir} holds a finished run ({@code metrics.json} written) of exactly {@code config} (same
     * hash): what a suite may skip.
     */
    public static boolean isFinished(Path dir, Map<String, ?> config) {
        Path rj = dir.resolve(RUN_JSON);
        if (!Files.isRegularFile(rj) || !Files.isRegularFile(dir.resolve(MetricsReport.METRICS_JSON))) return false;
        try {
            JsonNode n = JSON.readTree(rj.toFile());
            return configHash(config).equals(n.path(CONFIG_HASH).asText());
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(onInterrupt);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (or ran) and says where the checkpoint is
        }
        try {
            lockChannel.truncate(0);
            lock.release();
        } catch (IOException e) {
            // the OS releases the lock with the channel
        } finally {
            closeQuietly(lockChannel);
        }
    }

    // ------------------------------------------------------------------ internals

    private void interrupted() {
        if (closed) return;
        Optional<Path> last;
        try {
            last = latestCheckpoint();
        } catch (RuntimeException e) {
            last = Optional.empty();
        }
        System.err.println();
        System.err.println(last.map(p -> "interrupted: the last checkpoint is " + p + " (step " + stepOf(p) + "); run the same command with --resume to continue")
                .orElse("interrupted before the first checkpoint: nothing to resume in " + dir + "; run the same command with --overwrite to start again"));
        System.err.flush();
    }

    static Map<String, Object> canonical(Map<String, ?> config) {
        // through JSON, so 42 and 42L, or 1e-3 as float and double, compare equal
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = JSON.readValue(JSON.writeValueAsBytes(config), TreeMap.class);
            return m;
        } catch (IOException e) {
            throw new IllegalArgumentException("run configuration is not serialisable: " + e.getMessage(), e);
        }
    }

    private Map<String, Object> storedConfig() {
        Path rj = runJson();
        if (!Files.isRegularFile(rj)) return null;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = JSON.readValue(rj.toFile(), TreeMap.class);
            return m;
        } catch (IOException e) {
            throw new IllegalStateException(rj + ": not a readable run file (" + oneLine(e) + "); start a new run with another --out, or --overwrite");
        }
    }

    /**
     * "key was -> now" for every defining key that differs; a key one side lacks shows as "default" (settings such
     * as the Adam betas are written only when they differ from their defaults).
     */
    static String differences(Map<String, Object> was, Map<String, Object> now) {
        TreeSet<String> keys = new TreeSet<>(was.keySet());
        keys.addAll(now.keySet());
        keys.removeAll(NOT_DEFINING);
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            Object a = was.get(k), b = now.get(k);
            if (!java.util.Objects.equals(a, b)) out.add(k + " " + (a == null ? "default" : a) + " -> " + (b == null ? "default" : b));
        }
        return String.join(", ", out);
    }

    private void writeRunJson(Map<String, Object> config) {
        ObjectNode o = JSON.valueToTree(config);
        o.put(CONFIG_HASH, configHash(config));
        try {
            AtomicFiles.writeString(runJson(), JSON.writeValueAsString(o));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + runJson() + ": " + e.getMessage(), e);
        }
    }

    /** What petl writes into a run folder. */
    private static boolean isRunEntry(String name) {
        return name.equals(RUN_JSON) || name.equals(MetricsReport.METRICS_JSON) || name.equals(MetricsReport.CURVE_PNG)
                || name.equals(BEST) || name.equals(ADAPTER) || name.equals("evals") || name.matches(Checkpoint.PREFIX + "\\d+");
    }

    private boolean holdsRun() {
        return entries().stream().anyMatch(RunFolder::isRunEntry);
    }

    private List<String> foreignEntries() {
        return entries().stream().filter(n -> !isRunEntry(n) && !n.equals(LOCK)).sorted().limit(5).toList();
    }

    private List<String> entries() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private String describeRun() {
        StringBuilder b = new StringBuilder("a ");
        b.append(Files.isRegularFile(metricsFile()) ? "finished" : "unfinished").append(" run");
        try {
            Map<String, Object> c = storedConfig();
            if (c != null && c.get("method") != null) b.append(" (method ").append(c.get("method")).append(')');
        } catch (IllegalStateException e) {
            // an unreadable run.json still is a run
        }
        List<Path> cks = checkpointDirs();
        if (!cks.isEmpty()) b.append(" with checkpoints up to step ").append(stepOf(cks.get(0)));
        return b.toString();
    }

    private void removeRunFiles() {
        for (String n : entries()) if (isRunEntry(n)) deleteTree(dir.resolve(n));
    }

    /** Checkpoint folders, newest first. */
    List<Path> checkpointDirs() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches(Checkpoint.PREFIX + "\\d+") && Files.isDirectory(p))
                    .sorted(Comparator.comparingLong(RunFolder::stepOf).reversed()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    static long stepOf(Path checkpoint) {
        String n = checkpoint.getFileName().toString();
        try {
            return Long.parseLong(n.substring(Checkpoint.PREFIX.length()));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static String firstProblem(Path ck) {
        try {
            Checkpoint.read(ck);
            return ck.getFileName() + " reads";
        } catch (RuntimeException e) {
            return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        }
    }

    /**
     * Removes what interrupted atomic writes leave: hidden {@code .name.*.tmp} files (AtomicFiles) and
     * {@code .checkpoint-N.tmp-*} folders (Checkpoint), in the run folder and its adapter/best folders. A
     * {@code .checkpoint-N.old-*} folder is first put back when its checkpoint is missing (a kill between
     * Checkpoint's two renames), and removed otherwise.
     */
    private void cleanLeftovers() {
        long[] removed = {0, 0};
        for (Path d : List.of(dir, bestDir(), adapterDir())) {
            if (!Files.isDirectory(d)) continue;
            try (Stream<Path> s = Files.list(d)) {
                for (Path p : s.toList()) {
                    String n = p.getFileName().toString();
                    if (!n.startsWith(".") || n.equals(LOCK)) continue;
                    int old = n.indexOf(".old-");
                    if (old > 1) {
                        Path target = d.resolve(n.substring(1, old));
                        if (!Files.exists(target) && Checkpoint.isComplete(p)) {
                            move(p, target);
                            continue;
                        }
                    } else if (!n.contains(".tmp")) {
                        continue;
                    }
                    removed[0]++;
                    removed[1] += size(p);
                    deleteTree(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot clean " + d + ": " + e.getMessage(), e);
            }
        }
        if (removed[0] > 0) {
            System.err.printf(java.util.Locale.ROOT, "note: removed %d leftover temp file(s) of interrupted writes in %s (%,d bytes)%n", removed[0], dir, removed[1]);
        }
    }

    private static long size(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + p + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ the lock's holder record

    private static void writeHolder(FileChannel ch) throws IOException {
        ProcessHandle me = ProcessHandle.current();
        ObjectNode o = JSON.createObjectNode();
        o.put("pid", me.pid());
        o.put("started", me.info().startInstant().map(Instant::toString).orElse(Instant.now().toString()));
        o.put("locked", Instant.now().toString());
        o.put("host", host());
        byte[] b = JSON.writeValueAsBytes(o);
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(b), 0);
        ch.force(true);
    }

    private static JsonNode readHolder(FileChannel ch) {
        try {
            long n = Math.min(ch.size(), 4096);
            if (n == 0) return null;
            ByteBuffer b = ByteBuffer.allocate((int) n);
            ch.read(b, 0);
            return JSON.readTree(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String describeHolder(JsonNode h) {
        if (h == null || !h.has("pid")) return "holder unknown";
        String s = "pid " + h.path("pid").asLong() + ", started " + h.path("started").asText("?");
        String host = h.path("host").asText("");
        return host.isEmpty() || host.equals(host()) ? s : s + ", on " + host;
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "";
        }
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.NoSuchFileException) return "a folder above it does not exist";
        if (e instanceof java.nio.file.FileSystemException f) return f.getReason() != null ? f.getReason() : "the file system refused";
        return e.getMessage() == null ? "input/output error" : e.getMessage();
    }

    private static String oneLine(IOException e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing held any more
        }
    }
}
