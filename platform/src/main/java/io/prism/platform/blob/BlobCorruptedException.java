package io.prism.platform.blob;

import java.io.IOException;

/** The bytes read do not hash to the reference: the stored blob is damaged or the reference is wrong. */
public class BlobCorruptedException extends IOException {
    public BlobCorruptedException(String message) {
        super(message);
    }
}
