package org.petl.tasks.data;

import java.nio.file.Path;

/** A data file that cannot be used: a malformed row (message {@code file:line: what}), or an unusable dataset. */
public class DataFormatException extends RuntimeException {

    public DataFormatException(String message) {
        super(message);
    }

    /** A malformed row; the message names the file (with its folder) and the 1-based line; quoted input is cut to a readable length. */
    public static DataFormatException at(Path file, long line, String what) {
        return new DataFormatException(file + ":" + line + ": " + org.petl.core.io.TextFiles.quote(what, 300));
    }
}
