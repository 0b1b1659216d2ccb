package io.prism.platform.blob;

import java.io.FileNotFoundException;

/** No blob with this digest exists in the store. */
public class BlobNotFoundException extends FileNotFoundException {
    public BlobNotFoundException(String message) {
        super(message);
    }
}
