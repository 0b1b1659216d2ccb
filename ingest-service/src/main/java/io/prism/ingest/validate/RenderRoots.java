package io.prism.ingest.validate;

import io.prism.ingest.Refusal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The folders the farm writes to. A path handed to the service must name a regular file inside one of them:
 * no {@code ..} segments (refused before anything touches the disk), inside a root lexically, and still inside a
 * root once every symbolic link is resolved (a link in the farm folder pointing at /etc is an escape).
 */
public final class RenderRoots {
    private final List<Path> roots;      // absolute, normalised
    private final List<Path> realRoots;  // symlinks resolved

    public RenderRoots(List<Path> roots) {
        this.roots = roots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        this.realRoots = this.roots.stream().map(RenderRoots::real).toList();
    }

    private static Path real(Path p) {
        try {
            Files.createDirectories(p);
            return p.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("render root " + p + " is not usable: " + e.getMessage(), e);
        }
    }

    public List<Path> roots() {
        return roots;
    }

    public boolean isEmpty() {
        return roots.isEmpty();
    }

    /**
     * Resolves a submitted path (absolute, or relative to the first root) to the real file it names, or refuses it
     * with the reason.
     */
    public Path resolve(String submitted) {
        if (roots.isEmpty()) {
            throw Refusal.path("path registration is disabled: no render roots are configured (PRISM_RENDER_ROOTS)");
        }
        if (submitted == null || submitted.isBlank()) {
            throw Refusal.badRequest("path is required");
        }
        if (submitted.indexOf('\0') >= 0) {
            throw Refusal.path("path contains a NUL character");
        }
        Path p;
        try {
            p = Path.of(submitted);
        } catch (InvalidPathException e) {
            throw Refusal.path("invalid path '" + submitted + "': " + e.getReason());
        }
        for (Path seg : p) {
            if (seg.toString().equals("..")) {
                throw Refusal.path("path '" + submitted + "' contains a '..' segment");
            }
        }
        Path abs = (p.isAbsolute() ? p : roots.get(0).resolve(p)).normalize();
        if (roots.stream().noneMatch(abs::startsWith)) {
            throw Refusal.path("path '" + submitted + "' is outside the render roots " + roots);
        }
        Path realFile;
        try {
            realFile = abs.toRealPath();
        } catch (NoSuchFileException e) {
            throw new Refusal(404, "not_found", "no file at '" + submitted + "'");
        } catch (IOException e) {
            throw new Refusal(404, "not_found", "cannot read '" + submitted + "': " + e.getMessage());
        }
        if (realRoots.stream().noneMatch(realFile::startsWith)) {
            throw Refusal.path("path '" + submitted + "' resolves through a symbolic link to '" + realFile
                    + "', outside the render roots");
        }
        if (!Files.isRegularFile(realFile, LinkOption.NOFOLLOW_LINKS)) {
            throw Refusal.path("path '" + submitted + "' is not a regular file");
        }
        return realFile;
    }

    /** True when a real (symlink-free) path lies inside a root. */
    public boolean containsReal(Path realPath) {
        return realRoots.stream().anyMatch(realPath::startsWith);
    }
}
