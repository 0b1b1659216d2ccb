package io.prism.ingest.watch;

import io.prism.ingest.IngestConfig;
import io.prism.ingest.IngestMetrics;
import io.prism.ingest.Refusal;
import io.prism.ingest.db.IngestRepository;
import io.prism.ingest.db.WatchedFileEntity;
import io.prism.ingest.submit.FrameRequest;
import io.prism.ingest.submit.PairRequest;
import io.prism.ingest.submit.Receipts.PairReceipt;
import io.prism.ingest.submit.Submissions;
import io.prism.ingest.submit.Submissions.PairSources;
import io.prism.ingest.validate.RenderRoots;
import io.prism.platform.db.Database;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import java.io.File;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch folder (one job: notice complete frames under the render roots and submit them).
 *
 * <p>Every {@code interval} it walks the roots, keeps the files matching the pattern whose layer is a beauty, albedo
 * or mask layer, and considers a file complete when its size and modification time have not changed for
 * {@code stableFor} (or, with a marker suffix configured, once {@code <file><suffix>} exists). Frames are grouped by
 * show, shot and frame number: a complete beauty is submitted together with the complete albedo/mask AOVs next to it
 * (or the AOV layers inside its EXR) as a ground-truth pair; an AOV that completes after its beauty was submitted is
 * paired then. A beauty waits while an AOV beside it is still being written.
 *
 * <p>What was done with each file (submitted, or refused with the reason) is written to {@code ingest_watch_files}
 * in the same transaction that commits the frame and its outbox row, so after a restart nothing is submitted twice
 * and nothing is forgotten: files not recorded are simply seen again. A file is looked at again only when its size
 * or modification time changes. A half-written file is never submitted: it is not stable, and if its writer died
 * it fails validation (truncated EXR) and is recorded as refused until it is rewritten.
 */
public final class WatchFolderVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(WatchFolderVerticle.class);

    enum Role { BEAUTY, ALBEDO, MASK }

    private record Seen(long size, long mtime, long sinceNanos) {}

    private record Known(long size, long mtime, String outcome) {}

    private record Candidate(Path path, String key, Map<String, String> fields, Role role, long size, long mtime,
                             boolean ready) {}

    private record GroupKey(String show, String shot, int frame) {}

    private final IngestConfig config;
    private final RenderRoots roots;
    private final WatchPattern pattern;
    private final Submissions submissions;
    private final Database db;
    private final IngestMetrics metrics;
    private final Map<String, Known> known = new ConcurrentHashMap<>();
    private final Map<String, Seen> seen = new HashMap<>();
    private WorkerExecutor executor;
    private volatile boolean stopped;
    private Future<?> current = Future.succeededFuture();

    public WatchFolderVerticle(IngestConfig config, RenderRoots roots, Submissions submissions, Database db,
                               IngestMetrics metrics) {
        this.config = config;
        this.roots = roots;
        this.pattern = new WatchPattern(config.watchPattern());
        this.submissions = submissions;
        this.db = db;
        this.metrics = metrics;
    }

    @Override
    public void start(Promise<Void> startPromise) {
        // One thread of its own: scans never overlap and never take the HTTP API's worker threads.
        executor = vertx.createSharedWorkerExecutor("prism-watch-" + UUID.randomUUID(), 1);
        executor.executeBlocking(() -> {
            for (WatchedFileEntity w : db.repository(IngestRepository.class).watchedFiles()) {
                known.put(w.path(), new Known(w.sizeBytes(), w.modifiedMs(), w.outcome()));
            }
            return known.size();
        }, true).onSuccess(n -> {
            LOG.info("event=watch-started roots={} pattern={} known={} stableFor={} marker={}", roots.roots(), pattern,
                    n, config.watchStableFor(), config.watchMarkerSuffix());
            schedule(0);
            startPromise.complete();
        }).onFailure(startPromise::fail);
    }

    @Override
    public void stop(Promise<Void> stopPromise) {
        stopped = true;
        // Let a scan in progress finish its current file so that stopping is not a crash (a crash is also safe).
        current.onComplete(x -> {
            executor.close();
            stopPromise.complete();
        });
    }

    private void schedule(long delayMs) {
        if (stopped) return;
        vertx.setTimer(Math.max(1, delayMs), t -> {
            if (stopped) return;
            current = executor.executeBlocking(() -> {
                scanOnce();
                return null;
            }, true).onFailure(e -> LOG.warn("event=watch-scan-failed reason={}", e.toString(), e))
                    .onComplete(x -> schedule(config.watchInterval().toMillis()));
        });
    }

    /** One pass over the roots. Package-visible for tests. */
    void scanOnce() throws IOException {
        long now = System.nanoTime();
        List<Candidate> candidates = new ArrayList<>();
        Set<String> present = new HashSet<>();
        for (Path root : roots.roots()) {
            if (Files.isDirectory(root)) walk(root, now, candidates, present);
        }
        seen.keySet().retainAll(present);
        Map<GroupKey, List<Candidate>> groups = new LinkedHashMap<>();
        for (Candidate c : candidates) {
            GroupKey k = new GroupKey(c.fields().get("show"), c.fields().get("shot"), Integer.parseInt(c.fields().get("frame")));
            groups.computeIfAbsent(k, x -> new ArrayList<>()).add(c);
        }
        for (List<Candidate> group : groups.values()) {
            if (stopped) return;
            handleGroup(group);
        }
    }

    private void walk(Path root, long now, List<Candidate> out, Set<String> present) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return !dir.equals(root) && dir.getFileName().toString().startsWith(".")
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                consider(root, file, attrs, now, out, present);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // vanished while we walked (a farm cleaning up): ignore
            }
        });
    }

    private void consider(Path root, Path file, BasicFileAttributes attrs, long now, List<Candidate> out, Set<String> present) {
        if (file.getFileName().toString().startsWith(".")) return;
        String rel = root.relativize(file).toString().replace(File.separatorChar, '/');
        var match = pattern.match(rel);
        if (match.isEmpty()) return;
        Map<String, String> fields = match.get();
        Role role = roleOf(fields.get("layer"));
        if (role == null) return;
        String key = file.toAbsolutePath().normalize().toString();
        long size = attrs.size();
        long mtime = attrs.lastModifiedTime().toMillis();
        if (attrs.isSymbolicLink()) {
            try {
                Path real = file.toRealPath();
                if (!roots.containsReal(real)) {
                    if (known.get(key) == null) {
                        refuse(key, role, 0, 0, new Refusal(403, "path_not_allowed", "symbolic link " + key
                                + " points outside the render roots, to " + real));
                    }
                    return;
                }
                BasicFileAttributes ra = Files.readAttributes(real, BasicFileAttributes.class);
                if (!ra.isRegularFile()) return;
                size = ra.size();
                mtime = ra.lastModifiedTime().toMillis();
            } catch (IOException e) {
                return; // dangling link: nothing to submit
            }
        } else if (!attrs.isRegularFile()) {
            return;
        }
        present.add(key);
        Known k = known.get(key);
        if (k != null && k.size() == size && k.mtime() == mtime) {
            out.add(new Candidate(file, key, fields, role, size, mtime, true));
            return;
        }
        Seen s = seen.get(key);
        boolean ready;
        if (s == null || s.size() != size || s.mtime() != mtime) {
            seen.put(key, new Seen(size, mtime, now));
            ready = false;
        } else if (config.watchMarkerSuffix() != null) {
            ready = Files.exists(file.resolveSibling(file.getFileName() + config.watchMarkerSuffix()));
        } else {
            ready = now - s.sinceNanos() >= config.watchStableFor().toNanos();
        }
        out.add(new Candidate(file, key, fields, role, size, mtime, ready));
    }

    private Role roleOf(String layer) {
        if (config.beautyLayers().contains(layer)) return Role.BEAUTY;
        if (config.albedoLayers().contains(layer)) return Role.ALBEDO;
        if (config.maskLayers().contains(layer)) return Role.MASK;
        return null;
    }

    private boolean isKnown(Candidate c) {
        Known k = known.get(c.key());
        return k != null && k.size() == c.size() && k.mtime() == c.mtime();
    }

    private void handleGroup(List<Candidate> group) {
        group.sort(Comparator.comparing(Candidate::key));
        List<Candidate> aovs = group.stream().filter(c -> c.role() != Role.BEAUTY).toList();
        boolean aovPending = aovs.stream().anyMatch(c -> !isKnown(c) && !c.ready());
        List<Candidate> newAovs = aovs.stream().filter(c -> !isKnown(c) && c.ready()).toList();
        for (Candidate beauty : group.stream().filter(c -> c.role() == Role.BEAUTY).toList()) {
            if (aovPending) return; // an AOV beside it is still being written: submit them together
            if (isKnown(beauty)) {
                // Beauty done earlier; a newly completed AOV beside it makes a pair now.
                if (!newAovs.isEmpty() && "submitted".equals(known.get(beauty.key()).outcome())) {
                    submit(beauty, aovs);
                }
            } else if (beauty.ready()) {
                submit(beauty, aovs.stream().filter(c -> isKnown(c) || c.ready()).toList());
            }
        }
    }

    private void submit(Candidate beauty, List<Candidate> aovs) {
        Candidate albedo = aovs.stream().filter(c -> c.role() == Role.ALBEDO).findFirst().orElse(null);
        Candidate mask = aovs.stream().filter(c -> c.role() == Role.MASK).findFirst().orElse(null);
        List<Candidate> used = new ArrayList<>();
        used.add(beauty);
        if (albedo != null) used.add(albedo);
        if (mask != null) used.add(mask);
        try {
            PairRequest pr = new PairRequest(request(beauty), null, beauty.key(), true);
            PairSources src = new PairSources(beauty.path(), beauty.key(),
                    albedo == null ? null : albedo.path(), albedo == null ? null : albedo.key(),
                    mask == null ? null : mask.path(), mask == null ? null : mask.key(), null, null);
            try {
                submissions.submitPair(pr, src, false, r -> record(used, r));
                markSubmitted(used);
            } catch (Refusal r) {
                if (used.size() == 1) throw r;
                // The pair was refused: refuse its AOV files, and still take the beauty on its own if it is good.
                metrics.refused("watch", r.code(), r.status(), beauty.key() + " with its AOVs", r.getMessage());
                for (Candidate a : used.subList(1, used.size())) refuse(a.key(), a.role(), a.size(), a.mtime(), r, false);
                submissions.submitPair(pr, PairSources.layersOf(beauty.path(), beauty.key()), false,
                        x -> record(List.of(beauty), x));
                markSubmitted(List.of(beauty));
            }
        } catch (Refusal r) {
            refuse(beauty.key(), beauty.role(), beauty.size(), beauty.mtime(), r);
        } catch (RuntimeException e) {
            // Database or blob store trouble: nothing is recorded, the next scan tries again.
            LOG.warn("event=watch-submit-failed file={} reason={}", beauty.key(), e.toString());
        }
    }

    private void markSubmitted(List<Candidate> files) {
        for (Candidate c : files) known.put(c.key(), new Known(c.size(), c.mtime(), "submitted"));
    }

    private void record(List<Candidate> files, PairReceipt r) {
        IngestRepository repo = db.repository(IngestRepository.class);
        for (Candidate c : files) {
            String sha = c.role() == Role.BEAUTY && r.frame() != null ? r.frame().source().sha256() : null;
            repo.upsertWatchedFile(c.key(), c.size(), c.mtime(), c.role().name().toLowerCase(), "submitted", sha,
                    r.frame() == null ? null : r.frame().frameId(), r.pairId(), null);
        }
    }

    private void refuse(String key, Role role, long size, long mtime, Refusal r) {
        refuse(key, role, size, mtime, r, true);
    }

    private void refuse(String key, Role role, long size, long mtime, Refusal r, boolean log) {
        if (log) metrics.refused("watch", r.code(), r.status(), key, r.getMessage());
        try {
            db.inTransaction(conn -> db.repository(IngestRepository.class).upsertWatchedFile(key, size, mtime,
                    role.name().toLowerCase(), "refused", null, null, null, r.getMessage()));
            known.put(key, new Known(size, mtime, "refused"));
        } catch (RuntimeException e) {
            LOG.warn("event=watch-record-failed file={} reason={}", key, e.toString());
        }
    }

    private FrameRequest request(Candidate c) {
        Map<String, String> f = c.fields();
        Map<String, String> attrs = new HashMap<>();
        f.forEach((k, v) -> {
            if (!Set.of("show", "shot", "layer", "frame").contains(k)) attrs.put(k, v);
        });
        return new FrameRequest(WatchPattern.fill(config.watchJob(), f), f.get("show"), f.get("shot"), f.get("layer"),
                Integer.parseInt(f.get("frame")), attrs, "watch");
    }
}
