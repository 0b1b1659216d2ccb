package io.prism.vision.exr;

import java.util.Arrays;
import java.util.List;

/**
 * One header attribute: name, type name as in the file ("string", "box2i", "v2f", ...), decoded value and raw bytes.
 * Values: {@code string} → String; {@code int} → Integer; {@code float} → Float; {@code double} → Double;
 * {@code box2i} → {@link Box2i}; {@code v2i}/{@code v3i} → int[]; {@code v2f}/{@code v3f}/{@code box2f}/{@code m33f}/
 * {@code m44f}/{@code floatvector} → float[]; {@code stringvector} → List&lt;String&gt;; {@code chromaticities} →
 * {@link Chromaticities}; {@code compression} → {@link Compression}; {@code lineOrder} → {@link LineOrder};
 * {@code tiledesc} → {@link TileDescription}; {@code chlist} → List&lt;ExrChannel&gt;; {@code rational} → int[]{num, den};
 * anything else (preview, timecode, keycode, custom types) → the raw bytes.
 */
public record ExrAttribute(String name, String type, Object value, byte[] raw) {
    public String stringValue() {
        return value instanceof String s ? s : null;
    }

    @Override
    public String toString() {
        Object v = value;
        String text;
        if (v instanceof float[] f) text = Arrays.toString(f);
        else if (v instanceof int[] i) text = Arrays.toString(i);
        else if (v instanceof byte[] b) text = b.length + " bytes";
        else if (v instanceof List<?> l) text = l.toString();
        else text = String.valueOf(v);
        return name + " (" + type + "): " + text;
    }
}
