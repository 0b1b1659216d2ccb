package io.prism.platform.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10));

    @Test
    void doublesFromTheFirstDelayUpToTheMaximum() {
        assertThat(IntStream.rangeClosed(1, 8).mapToLong(backoff::delayMs).toArray())
                .containsExactly(200, 400, 800, 1600, 3200, 6400, 10_000, 10_000);
    }

    @Test
    void staysAtTheMaximumForAnyNumberOfFailures() {
        assertThat(backoff.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(10));
        assertThat(backoff.delay(64)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void refusesAMaximumBelowTheFirstDelay() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1))).hasMessageContaining("shorter");
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1))).hasMessageContaining("positive");
    }
}
