package io.prism.vision;

import java.io.IOException;

/**
 * An image file that cannot be read (malformed, truncated, over a configured limit) or a feature of a format that
 * Prism does not support. The message names the source, and where known the part and what is wrong, e.g.
 * {@code "unsupported: compression B44 in part 'rgba' of foo.exr"}.
 */
public class ImageFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public ImageFormatException(String message) {
        super(message);
    }

    public ImageFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
