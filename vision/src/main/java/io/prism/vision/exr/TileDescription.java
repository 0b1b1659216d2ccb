package io.prism.vision.exr;

/** The {@code tiles} attribute of a tiled part. Prism reads level 0 of any level mode. */
public record TileDescription(int xSize, int ySize, LevelMode levelMode, RoundingMode roundingMode) {
    public enum LevelMode { ONE_LEVEL, MIPMAP_LEVELS, RIPMAP_LEVELS }

    public enum RoundingMode { ROUND_DOWN, ROUND_UP }
}
