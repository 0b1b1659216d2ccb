package io.prism.platform.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    @Test
    void everyContractRoundTripsThroughJson() {
        for (PrismEvent e : Fixtures.allEvents()) {
            byte[] json = EventCodec.encode(e);
            PrismEvent back = EventCodec.decode(json);
            assertThat(back).as(e.getClass().getSimpleName()).isEqualTo(e);
            assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"type\":\"" + e.getClass().getSimpleName() + "\"")
                    .contains("\"schemaVersion\":1").contains("\"messageId\"").contains("\"time\"");
        }
    }

    @Test
    void readersTolerateUnknownFieldsFromNewerWriters() {
        for (PrismEvent e : Fixtures.allEvents()) {
            String json = EventCodec.encodeToString(e);
            String newer = json.substring(0, json.length() - 1) + ",\"addedInV2\":{\"nested\":[1,2]},\"note\":\"x\"}";
            assertThat(EventCodec.decode(newer.getBytes(StandardCharsets.UTF_8))).isEqualTo(e);
        }
    }

    @Test
    void missingRequiredFieldIsRejectedWithItsName() {
        String json = EventCodec.encodeToString(Fixtures.allEvents().get(0)).replaceAll("\"jobId\":\"job-1\",", "");
        assertThatThrownBy(() -> EventCodec.decode(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(EventCodec.MalformedEventException.class)
                .hasMessageContaining("FrameSubmitted.jobId is required");
    }

    @Test
    void garbageAndWrongTypeAreMalformedNotCrashes() {
        assertThatThrownBy(() -> EventCodec.decode("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(EventCodec.MalformedEventException.class);
        byte[] promoted = EventCodec.encode(Fixtures.allEvents().get(4));
        assertThatThrownBy(() -> EventCodec.decode(promoted, FrameSubmitted.class))
                .isInstanceOf(EventCodec.MalformedEventException.class).hasMessageContaining("expected FrameSubmitted");
    }

    @Test
    void writersCannotBuildAnEventWithoutRequiredFields() {
        assertThatThrownBy(() -> FrameSubmitted.of(null, "j", "s", "sh", "beauty", 1, 1, Fixtures.blob("a"), null, null))
                .hasMessageContaining("frameId");
        assertThatThrownBy(() -> GroundTruthPairSubmitted.of(java.util.UUID.randomUUID(), null, "j", "s", "sh", 1, null, Fixtures.blob("a"), null, null, null))
                .hasMessageContaining("albedo or a mask");
        assertThatThrownBy(() -> Fixtures.blob("g")).hasMessageContaining("sha256");
    }
}
