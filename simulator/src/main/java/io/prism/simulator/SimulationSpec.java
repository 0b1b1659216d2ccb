package io.prism.simulator;

import io.prism.vision.exr.Compression;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the simulated farm renders and where: frames {@code frames} of shot {@code show/shot} go to
 * {@code <outDir>/<show>/<shot>/<layer>/<name>.<frame:04d>.exr}, with PNG previews in
 * {@code <outDir>/<show>/<shot>/previews/}.
 *
 * @param show        show (project) name, a path segment
 * @param shot        shot name, a path segment
 * @param layer       render layer folder, default "beauty"
 * @param style       look of the generated scene
 * @param seed        scene seed: same seed, same scene and pixels
 * @param frames      inclusive frame range
 * @param width       image width in pixels
 * @param height      image height in pixels
 * @param samples     beauty samples per pixel (antialiasing, soft shadows, glossy blur)
 * @param rate        emission rate (a farm delivers frames over time)
 * @param threads     render threads (does not change the pixels)
 * @param outDir      root of the farm's output
 * @param compression EXR compression
 * @param name        file name stem, default = shot
 */
public record SimulationSpec(String show, String shot, String layer, Style style, long seed, FrameRange frames,
                             int width, int height, int samples, EmitRate rate, int threads, Path outDir,
                             Compression compression, String name) {

    /** Folder and file-name parts: no separators, dots or spaces, so paths stay inside outDir and parse back. */
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    public static final String DEFAULT_SHOW = "demo";
    public static final String DEFAULT_SHOT = "sh010";
    public static final String DEFAULT_LAYER = "beauty";
    public static final int DEFAULT_SIZE = 256;
    public static final int DEFAULT_SAMPLES = 16;

    public SimulationSpec {
        segment("show", show);
        segment("shot", shot);
        segment("layer", layer);
        if (name == null) name = shot;
        segment("name", name);
        if (layer.equals("previews")) throw new IllegalArgumentException("layer must not be 'previews': that folder holds the PNG previews");
        Objects.requireNonNull(style, "style");
        Objects.requireNonNull(frames, "frames");
        Renderer.checkSize(width, height);
        if (samples < 1 || samples > Renderer.MAX_SAMPLES) {
            throw new IllegalArgumentException("samples must be 1.." + Renderer.MAX_SAMPLES + ", got " + samples);
        }
        if (rate == null) rate = EmitRate.UNLIMITED;
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        Objects.requireNonNull(outDir, "outDir");
        Objects.requireNonNull(compression, "compression");
        if (!compression.supported()) throw new IllegalArgumentException("unsupported: writing EXR compression " + compression);
    }

    /** The listed components with the file name stem defaulting to the shot. */
    public SimulationSpec(String show, String shot, String layer, Style style, long seed, FrameRange frames,
                          int width, int height, int samples, EmitRate rate, int threads, Path outDir,
                          Compression compression) {
        this(show, shot, layer, style, seed, frames, width, height, samples, rate, threads, outDir, compression, shot);
    }

    /** demo/sh010/beauty, studio, seed 1, frames 1-24, 256x256, 16 samples, unlimited rate, all cores, ZIP. */
    public static SimulationSpec defaults(Path outDir) {
        return new SimulationSpec(DEFAULT_SHOW, DEFAULT_SHOT, DEFAULT_LAYER, Style.STUDIO, 1, new FrameRange(1, 24),
                DEFAULT_SIZE, DEFAULT_SIZE, DEFAULT_SAMPLES, EmitRate.UNLIMITED,
                Runtime.getRuntime().availableProcessors(), outDir, Compression.ZIP, DEFAULT_SHOT);
    }

    public SimulationSpec withShot(String show, String shot) {
        return new SimulationSpec(show, shot, layer, style, seed, frames, width, height, samples, rate, threads, outDir, compression, shot);
    }

    public SimulationSpec withLayer(String layer) {
        return new SimulationSpec(show, shot, layer, style, seed, frames, width, height, samples, rate, threads, outDir, compression, name);
    }

    public SimulationSpec withName(String name) {
        return new SimulationSpec(show, shot, layer, style, seed, frames, width, height, samples, rate, threads, outDir, compression, name);
    }

    public SimulationSpec withStyle(Style style) {
        return new SimulationSpec(show, shot, layer, style, seed, frames, width, height, samples, rate, threads, outDir, compression, name);
    }

    public SimulationSpec withSeed(long seed) {
        return new SimulationSpec(show, shot, layer, style, seed, frames, width, height, samples, rate, threads, outDir, compression, name);
    }

    public SimulationSpec withFrames(FrameRange frames) {
        return new SimulationSpec(show, shot, layer, style, seed, frames, width, height, samples, rate, threads, outDir, compression, name);
    }

    public SimulationSpec withSize(int width, int height) {
        return new SimulationSpec(show, shot, layer, style, seed, frames, width, height, samples, rate, threads, outDir, compression, name);
    }

    public SimulationSpec withSamples(int samples) {
        return new SimulationSpec(show, shot, layer, style, seed, frames, width, height, samples, rate, threads, outDir, compression, name);
    }

    public SimulationSpec withRate(EmitRate rate) {
        return new SimulationSpec(show, shot, layer, style, seed, frames, width, height, samples, rate, threads, outDir, compression, name);
    }

    public SimulationSpec withThreads(int threads) {
        return new SimulationSpec(show, shot, layer, style, seed, frames, width, height, samples, rate, threads, outDir, compression, name);
    }

    public SimulationSpec withCompression(Compression compression) {
        return new SimulationSpec(show, shot, layer, style, seed, frames, width, height, samples, rate, threads, outDir, compression, name);
    }

    /** {@code <outDir>/<show>/<shot>}. */
    public Path shotDir() { return outDir.resolve(show).resolve(shot); }

    /** Where frame {@code frame}'s EXR goes: {@code <outDir>/<show>/<shot>/<layer>/<name>.<frame:04d>.exr}. */
    public Path exrPath(int frame) {
        return shotDir().resolve(layer).resolve(String.format("%s.%04d.exr", name, frame));
    }

    /** The PNG previews' folder, a sibling of the layer folder. */
    public Path previewDir() { return shotDir().resolve("previews"); }

    /** Preview of one AOV ("beauty", "albedo", "mask"): {@code previews/<name>.<aov>.<frame:04d>.png}. */
    public Path previewPath(String aov, int frame) {
        return previewDir().resolve(String.format("%s.%s.%04d.png", name, aov, frame));
    }

    private static void segment(String what, String v) {
        if (v == null || !SEGMENT.matcher(v).matches()) {
            throw new IllegalArgumentException(what + " must be 1-64 characters of letters, digits, '_' or '-' (starting with a letter or digit), got '" + v + "'");
        }
    }
}
