package org.petl.tasks.data;

import java.nio.file.Path;

/**
 * Where a dataset came from: the file it was read from and the SHA-256 of that file's bytes as stored on disk
 * (so metrics.json pins exactly which data a number was measured on).
 */
public record Provenance(Path source, String sha256) {

    public Provenance {
        if (source == null || sha256 == null) throw new IllegalArgumentException("provenance needs a source and a hash");
    }

    @Override
    public String toString() {
        return source + " (sha256 " + sha256 + ")";
    }
}
