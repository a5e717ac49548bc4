package org.petl.tasks.data;

import java.nio.file.Path;

/** A data file that cannot be used: a malformed row (message {@code file:line: what}), or an unusable dataset. */
public class DataFormatException extends RuntimeException {

    public DataFormatException(String message) {
        super(message);
    }

    /** A malformed row; the message names the file (base name, as users see it in listings) and the 1-based line. */
    public static DataFormatException at(Path file, long line, String what) {
        return new DataFormatException(file.getFileName() + ":" + line + ": " + what);
    }
}
