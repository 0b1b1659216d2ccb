package io.prism.vision.exr;

/** Thrown inside the codecs when compressed data is inconsistent; the reader adds file and part to the message. */
final class CorruptDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CorruptDataException(String message) {
        super(message, null, false, false);
    }
}
