package org.petl.core.io;

/** A weight or adapter file that is missing, corrupt or does not fit the model; the message names file and tensor. */
public class WeightFileException extends RuntimeException {
    public WeightFileException(String message) {
        super(message);
    }
}
