package org.petl.tasks.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The seq2seq tasks by name: {@code debsum} and {@code l10n-en-ro} (installed by
 * {@code bash scripts/install-data.sh debsum l10n-en-ro} under {@code $PETL_DATA} or {@code ~/.cache/petl/data}, or
 * at {@code --data DIR}), {@code xsum --data DIR} and {@code wmt16-en-ro --data DIR} (see {@link Seq2SeqFiles}).
 */
public final class Seq2SeqTasks {

    /** A seq2seq task; closed, because each has its own reader. */
    public sealed interface Task permits Debsum, L10nEnRo, Xsum, Wmt16EnRo {
        String name();

        Path data();

        Seq2SeqTaskData load();
    }

    public record Debsum(Path data) implements Task {
        public String name() {
            return "debsum";
        }

        public Seq2SeqTaskData load() {
            return StandIns.loadDebsum(data);
        }
    }

    public record L10nEnRo(Path data) implements Task {
        public String name() {
            return "l10n-en-ro";
        }

        public Seq2SeqTaskData load() {
            return StandIns.loadL10nEnRo(data);
        }
    }

    public record Xsum(Path data) implements Task {
        public String name() {
            return "xsum";
        }

        public Seq2SeqTaskData load() {
            return Seq2SeqFiles.loadXsum(data);
        }
    }

    public record Wmt16EnRo(Path data) implements Task {
        public String name() {
            return "wmt16-en-ro";
        }

        public Seq2SeqTaskData load() {
            return Seq2SeqFiles.loadWmt16EnRo(data);
        }
    }

    public static final List<String> NAMES = List.of("debsum", "l10n-en-ro", "xsum", "wmt16-en-ro");

    private Seq2SeqTasks() {
    }

    /** True for the names {@link #resolve} knows (case and dashes ignored, as {@link Tasks} does). */
    public static boolean isSeq2Seq(String name) {
        return name != null && NAMES.stream().anyMatch(n -> key(n).equals(key(name)));
    }

    public static Task resolve(String name, Path data) {
        return resolve(name, data, System.getenv(), Path.of(System.getProperty("user.home")));
    }

    public static Task resolve(String name, Path data, Map<String, String> env, Path home) {
        Path root = Tasks.dataRoot(env, home);
        return switch (key(name)) {
            case "debsum" -> new Debsum(data != null ? data : root.resolve("debsum"));
            case "l10nenro" -> new L10nEnRo(data != null ? data : root.resolve("l10n-en-ro"));
            case "xsum" -> new Xsum(require("xsum", data, "the folder with train.jsonl/validation.jsonl/test.jsonl or train.source/.target …"));
            case "wmt16enro" -> new Wmt16EnRo(require("wmt16-en-ro", data, "the folder with HF JSON lines or train.en/train.ro …"));
            default -> throw new IllegalArgumentException("unknown seq2seq task \"" + name + "\"; known: " + String.join(", ", NAMES));
        };
    }

    public static Seq2SeqTaskData load(String name, Path data) {
        return resolve(name, data).load();
    }

    private static String key(String name) {
        return name.strip().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    private static Path require(String task, Path data, String what) {
        if (data == null) throw new IllegalArgumentException(task + " needs --data DIR (" + what + ")");
        return data;
    }
}
