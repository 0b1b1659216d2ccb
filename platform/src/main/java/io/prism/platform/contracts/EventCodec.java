package io.prism.platform.contracts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;

/**
 * JSON codec for {@link PrismEvent}s. Readers tolerate unknown fields (newer writers may add some);
 * required fields are enforced by the records' constructors, so neither side can drop one silently.
 */
public final class EventCodec {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private EventCodec() {}

    /** The shared mapper, configured as above (for payloads that are not events, e.g. outbox rows, REST). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static byte[] encode(PrismEvent event) {
        try {
            return MAPPER.writerFor(PrismEvent.class).writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + event.getClass().getSimpleName(), e);
        }
    }

    public static String encodeToString(PrismEvent event) {
        try {
            return MAPPER.writerFor(PrismEvent.class).writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + event.getClass().getSimpleName(), e);
        }
    }

    /** Decodes any event; throws {@link MalformedEventException} for bad JSON or a missing required field. */
    public static PrismEvent decode(byte[] json) {
        try {
            return MAPPER.readValue(json, PrismEvent.class);
        } catch (IOException | RuntimeException e) {
            throw new MalformedEventException("malformed event: " + rootMessage(e), e);
        }
    }

    /** Decodes an event of an expected type. */
    public static <T extends PrismEvent> T decode(byte[] json, Class<T> type) {
        PrismEvent event = decode(json);
        if (!type.isInstance(event)) {
            throw new MalformedEventException("expected " + type.getSimpleName() + " but got " + event.getClass().getSimpleName());
        }
        return type.cast(event);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /** A message that cannot be turned into an event: a consumer sends it to a dead-letter topic, it never retries. */
    public static final class MalformedEventException extends RuntimeException {
        public MalformedEventException(String message) {
            super(message);
        }

        public MalformedEventException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
