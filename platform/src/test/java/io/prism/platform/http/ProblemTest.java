package io.prism.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProblemTest {

    @Test
    void documentHasTheRfc9457MembersAndItsExtensions() {
        JsonObject doc = Problem.of(422, "fromFrame 12 is after toFrame 10").with("parameter", "fromFrame").toJson("/api/v1/jobs/j/frames");
        assertThat(doc.getMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "type", "https://prism.dev/problems/unprocessable-content",
                "title", "Unprocessable Content",
                "status", 422,
                "detail", "fromFrame 12 is after toFrame 10",
                "instance", "/api/v1/jobs/j/frames",
                "parameter", "fromFrame"));
    }

    @Test
    void aMissingTitleOrDetailFallsBackToTheStatusTitle() {
        Problem p = new Problem(503, null, "", null);
        assertThat(p.title()).isEqualTo("Service Unavailable");
        assertThat(p.detail()).isEqualTo("Service Unavailable");
        assertThat(p.type()).isEqualTo("https://prism.dev/problems/unavailable");
        assertThat(p.toJson(null).containsKey("instance")).isFalse();
    }
}
