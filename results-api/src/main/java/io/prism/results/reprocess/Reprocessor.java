package io.prism.results.reprocess;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.db.Database;
import io.prism.platform.db.OutboxRepository;
import io.prism.platform.outbox.Outbox;
import io.prism.platform.topics.Topics;
import io.prism.results.http.ApiException;
import io.prism.platform.db.FrameEntity;
import io.prism.results.db.FrameRepository;
import io.prism.results.db.JobRepository;
import io.prism.results.db.ModelRepository;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admin reprocessing: resubmits the newest version of each selected frame as a {@link FrameSubmitted} carrying the
 * chosen model versions ({@link FrameSubmitted#reprocessWith}). The events go to the transactional outbox in one
 * database transaction, so either every selected frame is resubmitted or none is; the outbox relay publishes them
 * on {@code prism.frames.v1}. Workers write results idempotently on (frame, task, model version), so a repeated
 * request does not duplicate results.
 */
public final class Reprocessor {
    private static final Logger LOG = LoggerFactory.getLogger(Reprocessor.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database database;
    private final JobRepository jobs;
    private final FrameRepository frames;
    private final ModelRepository models;
    private final int maxFrames;

    public Reprocessor(Database database, int maxFrames) {
        this.database = database;
        this.jobs = database.repository(JobRepository.class);
        this.frames = database.repository(FrameRepository.class);
        this.models = database.repository(ModelRepository.class);
        this.maxFrames = maxFrames;
    }

    /** What to reprocess with: task -> model version, validated against the registry. */
    public Map<String, Integer> models(JsonObject body) {
        Object raw = body.getValue("models");
        if (!(raw instanceof JsonObject m) || m.isEmpty()) {
            throw ApiException.unprocessable("'models' must be a non-empty object of task -> model version, e.g. {\"albedo\": 2}");
        }
        Map<String, Integer> models = new LinkedHashMap<>();
        for (String task : m.fieldNames()) {
            Object v = m.getValue(task);
            if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 1) {
                throw ApiException.unprocessable("model version for task '" + task + "' must be a positive integer, got " + v);
            }
            models.put(task, n.intValue());
        }
        Map<String, Integer> missing = new LinkedHashMap<>();
        models.forEach((task, version) -> {
            if (!this.models.existsByTaskAndVersion(task, version)) missing.put(task, version);
        });
        if (!missing.isEmpty()) {
            throw new ApiException(422, "Unprocessable Content", "no such model version(s) in the registry: " + missing,
                    Map.of("unknownModels", new JsonObject(new LinkedHashMap<>(missing))));
        }
        return models;
    }

    public JsonObject reprocessJob(String jobId, Map<String, Integer> models, String layer, Integer from, Integer to, String who) {
        if (!jobs.existsById(jobId)) {
            throw ApiException.notFound("no job '" + jobId + "'");
        }
        if (from != null && to != null && from > to) {
            throw ApiException.unprocessable("fromFrame " + from + " is after toFrame " + to);
        }
        return database.inTransaction(conn -> {
            List<FrameEntity> frames = this.frames.findToResubmit(jobId, layer, from, to, maxFrames);
            if (frames.isEmpty()) {
                throw ApiException.unprocessable("the selection matches no frames of job '" + jobId + "'");
            }
            if (frames.size() > maxFrames) {
                throw ApiException.unprocessable("the selection has more than " + maxFrames
                        + " frames (PRISM_RESULTS_REPROCESS_MAX_FRAMES); narrow it with layer / fromFrame / toFrame");
            }
            return enqueue(frames, models, who, "job " + jobId);
        });
    }

    public JsonObject reprocessFrame(UUID frameId, Map<String, Integer> models, String who) {
        return database.inTransaction(conn -> {
            FrameEntity f = frames.findById(frameId)
                    .orElseThrow(() -> ApiException.notFound("no frame " + frameId));
            return enqueue(List.of(f), models, who, "frame " + frameId);
        });
    }

    private JsonObject enqueue(List<FrameEntity> frames, Map<String, Integer> models, String who, String what) {
        Outbox outbox = new Outbox(database.repository(OutboxRepository.class));
        JsonArray ids = new JsonArray();
        for (FrameEntity f : frames) {
            FrameSubmitted event = FrameSubmitted.of(f.id(), f.jobId(), f.show(), f.shot(), f.layer(), f.frameNumber(),
                    f.frameVersion(), source(f), f.sourcePath(), attributes(f.attributes())).reprocessWith(models);
            outbox.enqueue(Topics.FRAMES, event);
            ids.add(f.id().toString());
        }
        LOG.info("event=reprocess-requested by={} target=\"{}\" frames={} models={}", who, what, frames.size(), models);
        return new JsonObject().put("frames", frames.size()).put("models", new JsonObject(new LinkedHashMap<>(models)))
                .put("frameIds", ids).put("topic", Topics.FRAMES.name());
    }

    private static BlobRef source(FrameEntity f) {
        return new BlobRef(URI.create(f.sourceUri()), f.sha256(), f.sizeBytes(), f.mediaType(), f.width(), f.height(), f.channels());
    }

    private static Map<String, String> attributes(String json) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            JSON.readTree(json == null ? "{}" : json).fields().forEachRemaining(e ->
                    out.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
        } catch (Exception e) {
            // attributes are informational; a row that does not hold an object resubmits without them
        }
        return out;
    }
}
