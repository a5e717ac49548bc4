package org.petl.core.method;

/** A method specification or application that cannot work: the message says what and where, in one line. */
public class MethodSpecException extends RuntimeException {
    public MethodSpecException(String message) {
        super(message);
    }
}
