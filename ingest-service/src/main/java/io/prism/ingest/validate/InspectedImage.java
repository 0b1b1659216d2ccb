package io.prism.ingest.validate;

import io.prism.vision.exr.BeautyLayer;
import io.prism.vision.exr.ExrChannel;
import io.prism.vision.exr.PixelType;
import io.prism.vision.image.FloatImage;
import java.util.List;
import java.util.Map;

/**
 * A decoded, validated EXR: all channels of all parts merged into one image, plus each channel's stored sample type
 * (so that layers extracted from it keep their precision), and for a beauty frame its beauty as chosen by
 * {@link BeautyLayer} (null for albedo/mask files).
 */
public record InspectedImage(String name, FloatImage image, Map<String, PixelType> sampleTypes, BeautyLayer.Frame beauty) {
    public int width() {
        return image.width();
    }

    public int height() {
        return image.height();
    }

    public List<String> channels() {
        return image.channels();
    }

    public PixelType typeOf(String channel) {
        return sampleTypes.getOrDefault(channel, PixelType.HALF);
    }

    static Map<String, PixelType> typesOf(List<ExrChannel> channels) {
        java.util.Map<String, PixelType> m = new java.util.HashMap<>();
        for (ExrChannel c : channels) m.putIfAbsent(c.name(), c.type());
        return m;
    }
}
