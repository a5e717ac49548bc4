package org.petl.suite;

/** A suite that cannot run as written: the message is one line naming the file and the field. */
public final class SuiteException extends RuntimeException {
    public SuiteException(String message) {
        super(message);
    }
}
