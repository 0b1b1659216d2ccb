package io.prism.vision.color;

import io.prism.vision.image.FloatImage;

import java.util.ArrayList;
import java.util.List;

/**
 * Which channels of an image hold colour, following OpenEXR naming: {@code R}, {@code G}, {@code B} and {@code Y},
 * alone or as the last component of a layer name ({@code albedo.R}, {@code left.Y}). Alpha is {@code A} /
 * {@code layer.A}. Everything else (Z, normals, ids, masks) is data and left alone by colour operations.
 */
public final class ColorChannels {
    private ColorChannels() {
    }

    /** The last component of a channel name: "albedo.R" → "R". */
    public static String base(String channel) {
        int dot = channel.lastIndexOf('.');
        return dot < 0 ? channel : channel.substring(dot + 1);
    }

    /** The layer prefix including the dot, or "": "albedo.R" → "albedo.". */
    public static String layer(String channel) {
        int dot = channel.lastIndexOf('.');
        return dot < 0 ? "" : channel.substring(0, dot + 1);
    }

    public static boolean isColor(String channel) {
        String b = base(channel);
        return b.equals("R") || b.equals("G") || b.equals("B") || b.equals("Y");
    }

    public static boolean isAlpha(String channel) {
        return base(channel).equals("A");
    }

    /** Indices of the colour channels. */
    public static int[] colorIndices(FloatImage img) {
        List<Integer> idx = new ArrayList<>();
        for (int c = 0; c < img.channelCount(); c++) if (isColor(img.channels().get(c))) idx.add(c);
        return idx.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The alpha channel that goes with a colour channel: the same layer's A, else the top-level A, else -1.
     */
    public static int alphaFor(FloatImage img, String colorChannel) {
        String own = layer(colorChannel) + "A";
        if (img.has(own)) return img.indexOf(own);
        return img.has("A") ? img.indexOf("A") : -1;
    }
}
