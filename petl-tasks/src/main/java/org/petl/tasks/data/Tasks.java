package org.petl.tasks.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Resolves a task name (and an optional {@code --data} path) to its splits.
 * <ul>
 *   <li>{@code polarity} (the default): the Pang &amp; Lee CSV from Debian's python3-pattern, found under
 *       {@code $PETL_DATA} or {@code ~/.cache/petl/data} (where {@code scripts/install-data.sh} puts it), or at
 *       {@code --data} (the CSV itself, or a folder holding it, or a data root like {@code $PETL_DATA}).</li>
 *   <li>{@code sst2 --data DIR}: GLUE SST-2 TSVs.</li>
 *   <li>{@code mnli --data DIR}: GLUE MNLI TSVs.</li>
 * </ul>
 */
public final class Tasks {

    /** A task the registry knows; closed, because each needs its own reader. */
    public sealed interface Task permits Polarity, Sst2, Mnli {
        String name();

        TaskData load();
    }

    public record Polarity(Path csv) implements Task {
        public String name() {
            return "polarity";
        }

        public TaskData load() {
            return PolarityCsv.load(csv);
        }
    }

    public record Sst2(Path dir) implements Task {
        public String name() {
            return "sst2";
        }

        public TaskData load() {
            return GlueTsv.loadSst2(dir);
        }
    }

    public record Mnli(Path dir) implements Task {
        public String name() {
            return "mnli";
        }

        public TaskData load() {
            return GlueTsv.loadMnli(dir);
        }
    }

    public static final String DEFAULT = "polarity";
    public static final List<String> NAMES = List.of("polarity", "sst2", "mnli");
    /** Where python3-pattern's .deb puts the file, relative to the extracted package root. */
    public static final String POLARITY_IN_PACKAGE = "usr/share/doc/python3-pattern/test/corpora/polarity-en-pang&lee2.csv";
    public static final String INSTALL_HINT = "install it with scripts/install-data.sh (extracts Debian's python3-pattern into "
            + "${PETL_DATA:-~/.cache/petl/data}), or pass --data PATH";

    private Tasks() {
    }

    /** Resolves against the real environment and home folder. */
    public static Task resolve(String name, Path data) {
        return resolve(name, data, System.getenv(), Path.of(System.getProperty("user.home")));
    }

    public static Task resolve(String name, Path data, Map<String, String> env, Path home) {
        String n = (name == null || name.isBlank() ? DEFAULT : name).strip().toLowerCase(Locale.ROOT).replace("-", "");
        return switch (n) {
            case "polarity" -> new Polarity(data != null ? polarityAt(data) : polarityCsv(env, home));
            case "sst2" -> new Sst2(requireDir("sst2", data));
            case "mnli" -> new Mnli(requireDir("mnli", data));
            default -> throw new IllegalArgumentException("unknown task \"" + name + "\"; known tasks: " + String.join(", ", NAMES));
        };
    }

    /** {@code Tasks.load("polarity", null)} etc. */
    public static TaskData load(String name, Path data) {
        return resolve(name, data).load();
    }

    /** The data root: {@code $PETL_DATA} if set, else {@code ~/.cache/petl/data}. */
    public static Path dataRoot(Map<String, String> env, Path home) {
        String d = env.get("PETL_DATA");
        return d != null && !d.isBlank() ? Path.of(d) : home.resolve(".cache/petl/data");
    }

    /** The installed polarity CSV (or its {@code .gz}), or a {@link DataMissingException} saying how to install it. */
    public static Path polarityCsv(Map<String, String> env, Path home) {
        Path root = dataRoot(env, home);
        for (Path p : polarityCandidates(root)) if (Files.isRegularFile(p)) return p;
        throw new DataMissingException("polarity data not found at " + root.resolve("python3-pattern").resolve(POLARITY_IN_PACKAGE)
                + "; " + INSTALL_HINT);
    }

    private static Path polarityAt(Path data) {
        if (Files.isRegularFile(data)) return data;
        List<Path> cands = new ArrayList<>(polarityCandidates(data));
        cands.add(data.resolve("polarity-en-pang&lee2.csv"));
        cands.add(data.resolve("polarity-en-pang&lee2.csv.gz"));
        for (Path p : cands) if (Files.isRegularFile(p)) return p;
        throw new DataMissingException("polarity data not found at " + data + "; " + INSTALL_HINT);
    }

    private static List<Path> polarityCandidates(Path root) {
        Path csv = root.resolve("python3-pattern").resolve(POLARITY_IN_PACKAGE);
        return List.of(csv, csv.resolveSibling(csv.getFileName() + ".gz"));
    }

    private static Path requireDir(String task, Path data) {
        if (data == null) throw new IllegalArgumentException(task + " needs --data DIR (the unpacked GLUE " + task.toUpperCase(Locale.ROOT) + " folder)");
        if (!Files.isDirectory(data)) throw new DataMissingException(task + ": --data " + data + " is not a folder");
        return data;
    }
}
