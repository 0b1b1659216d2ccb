package io.prism.simulator;

import io.prism.simulator.scene.Scene;
import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.color.Srgb;
import io.prism.vision.exr.PixelType;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A render farm in a box: renders the frames of a {@link SimulationSpec} and delivers them into a
 * farm-shaped folder, one multi-layer EXR per frame, optionally paced at a given rate.
 *
 * <p>Delivery order per frame: PNG previews first (in {@code previews/}, which no watcher of
 * {@code <layer>/*.exr} matches), then the EXR, written under a hidden temporary name and renamed
 * into place ({@link ExrWriter#write}), so a watch folder never sees a partial file and finds the
 * previews already there when the EXR appears.
 *
 * <p>Sample types: beauty, normals and mask as HALF (the mask is exactly 0 or 1 either way); albedo
 * and depth as FLOAT, so the ground-truth albedo in the file is bit-identical to the material colour.
 */
public final class FarmSimulator {
    private static final Logger log = LoggerFactory.getLogger(FarmSimulator.class);

    /** Called after each frame's files are in place, on the simulating thread. */
    @FunctionalInterface
    public interface FrameListener {
        void frameWritten(FrameOutput output) throws IOException;
    }

    /** One delivered frame. */
    public record FrameOutput(int frame, Path exr, List<Path> previews, Duration renderTime, Instant writtenAt) {}

    /** What a run did; {@code scene} is the ground truth the frames were rendered from. */
    public record SimulationReport(SimulationSpec spec, Scene scene, List<FrameOutput> frames, Duration wallTime) {
        public double framesPerSecond() {
            return frames.size() / Math.max(1e-9, wallTime.toNanos() / 1e9);
        }
    }

    /** What goes into each EXR. */
    public enum Layers {
        /** Beauty RGBA plus the ground-truth layers albedo, mask, N and Z (a farm rendering training data). */
        ALL,
        /** Beauty RGBA only, as a production farm delivers it (previews still include albedo and mask). */
        BEAUTY_ONLY
    }

    private final Renderer renderer;
    private final Layers layers;

    public FarmSimulator() {
        this(new Renderer(), Layers.ALL);
    }

    public FarmSimulator(Renderer renderer) {
        this(renderer, Layers.ALL);
    }

    public FarmSimulator(Renderer renderer, Layers layers) {
        this.renderer = Objects.requireNonNull(renderer, "renderer");
        this.layers = Objects.requireNonNull(layers, "layers");
    }

    public SimulationReport run(SimulationSpec spec) throws IOException, InterruptedException {
        return run(spec, out -> { });
    }

    public SimulationReport run(SimulationSpec spec, FrameListener listener) throws IOException, InterruptedException {
        Objects.requireNonNull(spec, "spec");
        Scene scene = SceneGenerator.generate(spec.style(), spec.seed());
        Files.createDirectories(spec.exrPath(spec.frames().first()).getParent());
        Files.createDirectories(spec.previewDir());
        long start = System.nanoTime();
        long period = spec.rate().period().toNanos();
        List<FrameOutput> outputs = new ArrayList<>();
        int k = 0;
        for (int frame = spec.frames().first(); frame <= spec.frames().last(); frame++, k++) {
            if (Thread.interrupted()) throw new InterruptedException("simulation interrupted before frame " + frame);
            RenderedFrame rf = renderer.render(scene, frame, spec.width(), spec.height(), spec.samples(), spec.threads());
            // Pace like a farm: frame k is delivered no earlier than start + k * period.
            long due = start + k * period;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } else if (period > 0 && -wait > period) {
                log.debug("frame {} is {} ms behind the requested rate {}", frame, -wait / 1_000_000, spec.rate());
            }
            FrameOutput out = write(spec, rf, layers);
            outputs.add(out);
            listener.frameWritten(out);
        }
        return new SimulationReport(spec, scene, List.copyOf(outputs), Duration.ofNanos(System.nanoTime() - start));
    }

    /** Writes one rendered frame's previews and EXR (all layers) where {@code spec} says. */
    public static FrameOutput write(SimulationSpec spec, RenderedFrame rf) throws IOException {
        return write(spec, rf, Layers.ALL);
    }

    /** Writes one rendered frame's previews and EXR where {@code spec} says. */
    public static FrameOutput write(SimulationSpec spec, RenderedFrame rf, Layers layers) throws IOException {
        int frame = rf.frame();
        List<Path> previews = List.of(spec.previewPath("beauty", frame), spec.previewPath("albedo", frame), spec.previewPath("mask", frame));
        // Colour previews are sRGB-encoded (PNG holds display values); the mask is data, written as is.
        ImageFiles.write(previews.get(0), Srgb.encode(rf.beauty()));
        ImageFiles.write(previews.get(1), Srgb.encode(rf.albedo()));
        ImageFiles.write(previews.get(2), rf.mask());
        Path exr = spec.exrPath(frame);
        FloatImage image = layers == Layers.ALL ? rf.image() : rf.beautyRgba();
        ExrWriter.write(exr, image, exrOptions(spec, frame, image));
        return new FrameOutput(frame, exr, previews, rf.renderTime(), Instant.now());
    }

    static ExrWriteOptions exrOptions(SimulationSpec spec, int frame, FloatImage image) {
        ExrWriteOptions o = ExrWriteOptions.defaults().compression(spec.compression()).pixelType(PixelType.HALF);
        for (String c : List.of("albedo.R", "albedo.G", "albedo.B", "Z")) {
            if (image.has(c)) o = o.pixelType(c, PixelType.FLOAT);
        }
        return o.attribute("prism.simulator.show", spec.show())
                .attribute("prism.simulator.shot", spec.shot())
                .attribute("prism.simulator.style", spec.style().id())
                .attribute("prism.simulator.seed", Long.toString(spec.seed()))
                .attribute("prism.simulator.frame", frame)
                .attribute("prism.simulator.samples", spec.samples())
                .attribute("prism.simulator.layers", image.has("albedo.R")
                        ? "beauty RGBA scene-linear (A=1, sky included); albedo, mask, N, Z sampled at pixel centres, unfiltered"
                        : "beauty RGBA scene-linear (A=1, sky included)");
    }
}
