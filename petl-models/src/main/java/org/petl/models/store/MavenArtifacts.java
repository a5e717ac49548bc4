package org.petl.models.store;

import org.petl.core.io.WeightFileException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds a jar in the local Maven repository, fetching it with {@code mvn dependency:get} when absent. */
public final class MavenArtifacts {

    private final Path localRepo;
    private final boolean explicitRepo;

    public MavenArtifacts(Path localRepo, boolean explicitRepo) {
        this.localRepo = localRepo;
        this.explicitRepo = explicitRepo;
    }

    /** {@code -Dmaven.repo.local}, then {@code $MAVEN_REPO_LOCAL}, then {@code ~/.m2/repository}. */
    public static MavenArtifacts fromEnvironment() {
        String prop = System.getProperty("maven.repo.local");
        if (prop == null || prop.isBlank()) prop = System.getenv("MAVEN_REPO_LOCAL");
        if (prop != null && !prop.isBlank()) return new MavenArtifacts(Path.of(prop), true);
        return new MavenArtifacts(Path.of(System.getProperty("user.home"), ".m2", "repository"), false);
    }

    public Path jarPath(String groupId, String artifactId, String version) {
        return localRepo.resolve(groupId.replace('.', '/')).resolve(artifactId).resolve(version)
                .resolve(artifactId + "-" + version + ".jar");
    }

    /** The jar of {@code groupId:artifactId:version}, downloaded first if the local repository lacks it. */
    public Path jar(String groupId, String artifactId, String version) {
        Path jar = jarPath(groupId, artifactId, version);
        if (Files.isRegularFile(jar)) return jar;
        String coords = groupId + ":" + artifactId + ":" + version;
        System.err.println("fetching " + coords + " with Maven (once) ...");
        List<String> cmd = new ArrayList<>(List.of(mvnCommand(), "-q", "-B", "dependency:get", "-Dartifact=" + coords, "-Dtransitive=false"));
        if (explicitRepo) cmd.add("-Dmaven.repo.local=" + localRepo);
        String tail;
        int rc;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            rc = p.waitFor();
            tail = lastErrorLine(out);
        } catch (IOException e) {
            throw new WeightFileException("cannot fetch " + coords + ": could not run mvn (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WeightFileException("cannot fetch " + coords + ": interrupted");
        }
        if (rc != 0 || !Files.isRegularFile(jar)) {
            throw new WeightFileException("cannot fetch " + coords + " into " + localRepo + " (mvn exit " + rc + (tail.isEmpty() ? "" : ": " + tail) + ")");
        }
        return jar;
    }

    private static String mvnCommand() {
        String home = System.getenv("MAVEN_HOME");
        if (home != null && Files.isExecutable(Path.of(home, "bin", "mvn"))) return Path.of(home, "bin", "mvn").toString();
        return "mvn";
    }

    private static String lastErrorLine(String out) {
        String last = "";
        for (String line : out.split("\\R")) {
            String l = line.replaceAll("\u001B\\[[;\\d]*m", "").trim();
            if (l.startsWith("[ERROR]") && l.length() > 8) {
                last = l.substring(7).trim();
                break; // the first ERROR line says what failed; the rest is help text
            }
        }
        return last.length() > 300 ? last.substring(0, 300) + "..." : last;
    }
}
