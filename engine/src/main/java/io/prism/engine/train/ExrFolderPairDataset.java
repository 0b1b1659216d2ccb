package io.prism.engine.train;

import io.prism.vision.image.FloatImage;
import io.prism.vision.color.Primaries;
import io.prism.vision.exr.BeautyLayer;
import io.prism.vision.exr.Chromaticities;
import io.prism.vision.exr.ExrImage;
import io.prism.vision.exr.ExrPart;
import io.prism.vision.exr.ExrReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Pairs from multi-layer EXR frames in a folder (searched recursively, sorted by path), as {@code prism simulate}
 * and renderers with AOVs write them: the beauty as {@link BeautyLayer} resolves it (luminance/chroma and the file's
 * primaries converted to the working space) and the target in {@code albedo.R/G/B} (primaries converted likewise) or
 * {@code mask.Y}.
 * Frames that lack the target layer are skipped (counted in {@link #skipped()}).
 */
public final class ExrFolderPairDataset implements PairDataset {
    private final List<Path> roots;
    private final String task;
    private final List<Path> files = new ArrayList<>();
    private int skipped;

    public ExrFolderPairDataset(List<Path> folders, String task) throws IOException {
        this.roots = List.copyOf(folders);
        this.task = task;
        for (Path dir : folders) {
            if (!Files.isDirectory(dir)) throw new IOException("training data folder " + dir + " does not exist");
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.filter(f -> f.getFileName().toString().toLowerCase().endsWith(".exr")).sorted().toList()) {
                    var headers = io.prism.vision.exr.ExrReader.readHeaders(p);
                    boolean has = headers.stream().flatMap(h -> h.channels().stream())
                            .anyMatch(c -> c.name().equals(targetChannels().get(0)));
                    if (has) files.add(p); else skipped++;
                }
            }
        }
        if (files.isEmpty()) {
            throw new IOException("no EXR frames with a " + targetChannels() + " layer under " + folders + " (" + skipped + " without)");
        }
    }

    private List<String> targetChannels() {
        return task.equals("mask") ? List.of("mask.Y") : List.of("albedo.R", "albedo.G", "albedo.B");
    }

    public int skipped() {
        return skipped;
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public TrainingPair get(int index) throws IOException {
        Path p = files.get(index);
        ExrImage exr = ExrReader.read(p);
        BeautyLayer.Frame frame = BeautyLayer.extract(exr, BeautyLayer.fromEnvironment());
        FloatImage beauty = frame.image().select(List.of("R", "G", "B"));
        ExrPart part = exr.parts().stream().filter(x -> x.image().has(targetChannels().get(0))).findFirst().orElseThrow();
        FloatImage target = task.equals("mask")
                ? part.image().select(List.of("mask.Y")).rename(List.of("Y"))
                : Primaries.apply(part.image().select(targetChannels()).rename(List.of("R", "G", "B")),      // same primaries as the beauty
                        Primaries.toWorking(part.header().chromaticities().orElse(Chromaticities.REC709)));
        return new TrainingPair(p.getFileName().toString(), beauty, target);
    }

    public List<TrainingPair> all() throws IOException {
        List<TrainingPair> out = new ArrayList<>();
        for (int i = 0; i < size(); i++) out.add(get(i));
        return out;
    }

    @Override
    public String describe() {
        return files.size() + " EXR frames from " + roots;
    }
}
