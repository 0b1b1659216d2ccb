package io.prism.vision.exr;

import io.prism.vision.ImageFormatException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Run in a child JVM (with a small heap) by {@link ExrDamagedFilesTest}: decodes every file of a folder and prints one
 * line per file: name, outcome (REJECTED, DECODED or CRASH), milliseconds, message.
 */
public final class DamagedFilesProbe {
    public static void main(String[] args) throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(args[0]))) {
            files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().endsWith(".rst")).sorted().toList();
        }
        for (Path f : files) {
            long t0 = System.nanoTime();
            String outcome;
            String message;
            try {
                ExrImage img = ExrReader.read(f);
                outcome = "DECODED";
                message = img.parts().size() + " parts";
            } catch (ImageFormatException e) {
                outcome = "REJECTED";
                message = e.getMessage();
            } catch (Throwable e) {
                outcome = "CRASH";
                message = e.toString();
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println(f.getFileName() + "\t" + outcome + "\t" + ms + "\t" + message.replace('\n', ' ').replace('\t', ' '));
            System.out.flush();
        }
        System.out.println("#done\t" + files.size());
    }
}
