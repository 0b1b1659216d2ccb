package io.prism.vision.exr;

import java.util.List;

/** A decoded OpenEXR file: its parts in file order (a single-part file has one). */
public record ExrImage(String source, List<ExrPart> parts) {
    public ExrImage {
        parts = List.copyOf(parts);
    }

    public ExrPart part(String name) {
        for (ExrPart p : parts) {
            if (name.equals(p.header().name())) return p;
        }
        throw new IllegalArgumentException("no part '" + name + "' in " + source);
    }
}
