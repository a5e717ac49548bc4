package org.petl.tasks.data;

/** A data set that is not installed; the message says in one line how to install it. */
public class DataMissingException extends RuntimeException {

    public DataMissingException(String message) {
        super(message);
    }
}
