package org.petl.suite;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.petl.core.io.AtomicFiles;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Run folders and results through Hadoop's FileSystem API, so {@code file://}, {@code hdfs://} and {@code s3a://}
 * outputs work. Local folders (no scheme or {@code file:}) are written directly with atomic renames; a remote
 * cell trains in a local scratch folder that is copied up when it ends (and copied down first, to resume).
 */
public final class SuiteFs {

    private SuiteFs() {
    }

    @FunctionalInterface
    public interface LocalWork<T> {
        T run(Path dir) throws IOException;
    }

    public static boolean isLocal(String path) {
        URI u = URI.create(path.replace(" ", "%20"));
        return u.getScheme() == null || u.getScheme().length() == 1 || u.getScheme().equals("file");
    }

    static Path local(String path) {
        URI u = URI.create(path.replace(" ", "%20"));
        return u.getScheme() != null && u.getScheme().equals("file") ? Path.of(u) : Path.of(path);
    }

    public static String join(String root, String rel) {
        return root.endsWith("/") ? root + rel : root + "/" + rel;
    }

    private static FileSystem fs(String path) throws IOException {
        return new org.apache.hadoop.fs.Path(path).getFileSystem(new Configuration());
    }

    /** The file's text, or null when it does not exist. */
    public static String readString(String path) throws IOException {
        if (isLocal(path)) {
            Path p = local(path);
            return Files.isRegularFile(p) ? Files.readString(p) : null;
        }
        FileSystem fs = fs(path);
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        if (!fs.exists(p)) return null;
        try (FSDataInputStream in = fs.open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public static void writeString(String path, String text) throws IOException {
        write(path, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    public static void write(String path, Writer w) throws IOException {
        if (isLocal(path)) {
            Path p = local(path);
            Files.createDirectories(p.toAbsolutePath().getParent());
            AtomicFiles.write(p, out -> w.write(out));
            return;
        }
        try (FSDataOutputStream out = fs(path).create(new org.apache.hadoop.fs.Path(path), true)) {
            w.write(out);
        }
    }

    /** Runs {@code work} on a local folder that is (or becomes) {@code folder}. */
    public static <T> T withLocalDir(String folder, LocalWork<T> work) throws IOException {
        if (isLocal(folder)) {
            Path p = local(folder);
            Files.createDirectories(p);
            return work.run(p);
        }
        FileSystem fs = fs(folder);
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(folder);
        Path tmp = Files.createTempDirectory("petl-cell-");
        Path scratch = tmp.resolve(remote.getName());
        try {
            if (fs.exists(remote)) fs.copyToLocalFile(false, remote, new org.apache.hadoop.fs.Path(tmp.toUri()), true);
            Files.createDirectories(scratch);
            T r = work.run(scratch);
            fs.mkdirs(remote.getParent());
            fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(scratch.toUri()), remote.getParent());
            return r;
        } finally {
            deleteTree(tmp);
        }
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
