package org.petl.models;

import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedEncoder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/** Shared test fixtures: the repository's shared/ folder and models loaded once per JVM. */
public final class TestModels {

    private static final ConcurrentHashMap<String, PretrainedEncoder> LOADED = new ConcurrentHashMap<>();

    private TestModels() {
    }

    public static Path shared() {
        String prop = System.getProperty("petl.shared");
        Path p = prop != null ? Path.of(prop) : Path.of("../../shared");
        if (!Files.isDirectory(p)) p = Path.of("../../shared");
        return p;
    }

    public static PretrainedEncoder load(String name) {
        return LOADED.computeIfAbsent(name, ModelStore::resolve);
    }
}
