package io.prism.results.http;

import io.prism.platform.db.FrameEntity;
import io.prism.platform.db.ModelVersionEntity;
import io.prism.platform.db.ResultEntity;
import io.prism.platform.db.TrainingRunEntity;
import io.prism.results.db.FrameRepository.FrameDetail;
import io.prism.results.db.FrameRepository.FrameWithResults;
import io.prism.results.db.JobRepository.JobProgress;
import io.prism.results.db.ModelRepository.TaskModels;
import io.prism.results.db.Slice;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The JSON results-api returns for each row: camelCase members, ISO-8601 times, jsonb columns as nested objects,
 * and the links to a frame's and a result's images.
 */
final class ResultsJson {
    private static final int LOG_TAIL_CHARS = 16_384;

    private ResultsJson() {}

    static <T> JsonObject page(Slice<T> slice, Function<T, JsonObject> item, String next) {
        return new JsonObject().put("items", array(slice.items(), item)).put("next", next);
    }

    static <T> JsonArray array(List<T> rows, Function<T, JsonObject> item) {
        List<Object> out = new ArrayList<>(rows.size());
        rows.forEach(r -> out.add(item.apply(r)));
        return new JsonArray(out);
    }

    static JsonObject job(JobProgress j) {
        long done = j.processed() + j.failed() + j.superseded();
        return new JsonObject()
                .put("id", j.id())
                .put("show", j.show())
                .put("shot", j.shot())
                .put("status", j.status())
                .put("progress", new JsonObject()
                        .put("total", j.total())
                        .put("submitted", j.submitted())
                        .put("processed", j.processed())
                        .put("failed", j.failed())
                        .put("superseded", j.superseded())
                        .put("fractionDone", j.total() == 0 ? 0.0 : (double) done / j.total()))
                .put("attributes", object(j.attributes()))
                .put("createdAt", time(j.createdAt()))
                .put("updatedAt", time(j.updatedAt()))
                .put("lastFrameAt", time(j.lastFrameAt()));
    }

    static JsonObject frame(FrameEntity f) {
        String id = f.id().toString();
        return new JsonObject()
                .put("id", id)
                .put("jobId", f.jobId())
                .put("show", f.show())
                .put("shot", f.shot())
                .put("layer", f.layer())
                .put("frameNumber", f.frameNumber())
                .put("frameVersion", f.frameVersion())
                .put("status", f.status())
                .put("statusReason", f.statusReason())
                .put("source", new JsonObject()
                        .put("uri", f.sourceUri())
                        .put("sha256", f.sha256())
                        .put("size", f.sizeBytes())
                        .put("mediaType", f.mediaType())
                        .put("width", f.width())
                        .put("height", f.height())
                        .put("channels", f.channels())
                        .put("href", "/api/v1/frames/" + id + "/source"))
                .put("sourcePath", f.sourcePath())
                .put("preview", new JsonObject().put("mediaType", "image/png").put("href", "/api/v1/frames/" + id + "/preview.png"))
                .put("attributes", object(f.attributes()))
                .put("submittedAt", time(f.submittedAt()))
                .put("updatedAt", time(f.updatedAt()));
    }

    static JsonObject frameWithResults(FrameWithResults f) {
        return frame(f.frame()).put("results", array(f.results(), ResultsJson::result));
    }

    /** A frame with its results, each with the model version behind it, and the other versions of the frame. */
    static JsonObject frameDetail(FrameDetail d) {
        return frame(d.frame())
                .put("results", array(d.results(), r -> {
                    JsonObject json = result(r.result());
                    ModelVersionEntity m = r.model();
                    if (m != null) {
                        json.put("model", new JsonObject()
                                .put("task", m.task())
                                .put("version", m.version())
                                .put("status", m.status())
                                .put("parentVersion", m.parentVersion())
                                .put("artifactSha256", m.artifactSha256())
                                .put("metrics", object(m.metrics()))
                                .put("createdAt", time(m.createdAt()))
                                .put("promotedAt", time(m.promotedAt())));
                    }
                    return json;
                }))
                .put("versions", array(d.versions(), v -> new JsonObject().put("id", v.id().toString())
                        .put("frameVersion", v.frameVersion()).put("status", v.status()).put("sha256", v.sha256())
                        .put("submittedAt", time(v.submittedAt()))));
    }

    static JsonObject result(ResultEntity r) {
        String id = r.id().toString();
        JsonObject json = new JsonObject()
                .put("id", id)
                .put("frameId", r.frameId().toString())
                .put("task", r.task())
                .put("modelVersion", r.modelVersion())
                .put("width", r.width())
                .put("height", r.height())
                .put("statistics", object(r.statistics()))
                .put("latencyMs", r.latencyMs())
                .put("createdAt", time(r.createdAt()))
                .put("image", new JsonObject()
                        .put("sha256", r.resultSha256())
                        .put("size", r.resultSize())
                        .put("mediaType", r.resultMediaType())
                        .put("href", "/api/v1/results/" + id + "/image"));
        if (r.previewSha256() != null) {
            json.put("preview", new JsonObject()
                    .put("sha256", r.previewSha256())
                    .put("size", r.previewSize())
                    .put("mediaType", "image/png")
                    .put("href", "/api/v1/results/" + id + "/image?format=png"));
        }
        if (r.uncertaintySha256() != null) {
            json.put("uncertainty", new JsonObject()
                    .put("sha256", r.uncertaintySha256())
                    .put("size", r.uncertaintySize())
                    .put("href", "/api/v1/results/" + id + "/uncertainty"));
        }
        return json;
    }

    static JsonObject taskModels(TaskModels t) {
        return new JsonObject().put("task", t.task()).put("activeVersion", t.activeVersion())
                .put("latestVersion", t.latestVersion()).put("versions", t.versions());
    }

    static JsonObject model(ModelVersionEntity m) {
        return new JsonObject()
                .put("task", m.task())
                .put("version", m.version())
                .put("status", m.status())
                .put("parentVersion", m.parentVersion())
                .put("artifact", new JsonObject().put("uri", m.artifactUri())
                        .put("sha256", m.artifactSha256()).put("size", m.artifactSize()))
                .put("metrics", object(m.metrics()))
                .put("dataSnapshot", object(m.dataSnapshot()))
                .put("notes", m.notes())
                .put("createdAt", time(m.createdAt()))
                .put("promotedAt", time(m.promotedAt()));
    }

    /** A model version with its lineage (itself first, then its ancestors) and the runs that trained it. */
    static JsonObject modelWithLineage(List<ModelVersionEntity> lineage, List<TrainingRunEntity> runs) {
        return model(lineage.get(0))
                .put("lineage", array(lineage, m -> new JsonObject().put("version", m.version()).put("status", m.status())
                        .put("metrics", object(m.metrics())).put("createdAt", time(m.createdAt()))))
                .put("trainingRuns", array(runs, r -> run(r, false)));
    }

    static JsonObject run(TrainingRunEntity r, boolean withLog) {
        int total = r.stepsTotal();
        int done = r.stepsDone();
        JsonObject json = new JsonObject()
                .put("id", r.id().toString())
                .put("task", r.task())
                .put("status", r.status())
                .put("baseVersion", r.baseVersion())
                .put("candidateVersion", r.candidateVersion())
                .put("trigger", r.trigger())
                .put("progress", new JsonObject().put("stepsDone", done).put("stepsTotal", total)
                        .put("fraction", total == 0 ? 0.0 : Math.min(1.0, (double) done / total)))
                .put("metrics", object(r.metrics()))
                .put("owner", r.owner())
                .put("startedAt", time(r.startedAt()))
                .put("heartbeatAt", time(r.heartbeatAt()))
                .put("finishedAt", time(r.finishedAt()));
        if (withLog) {
            String log = r.log();
            json.put("logTail", log.length() > LOG_TAIL_CHARS ? log.substring(log.length() - LOG_TAIL_CHARS) : log);
        }
        return json;
    }

    private static JsonObject object(String json) {
        return json == null ? new JsonObject() : new JsonObject(json);
    }

    private static String time(Instant t) {
        return t == null ? null : t.toString();
    }
}
