package io.prism.platform.testing;

import io.prism.platform.config.PlatformConfig;
import io.prism.platform.kafka.KafkaSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Test helpers every module's tests share, so each is written once: waiting, row counting, topic reading. */
public final class TestKit {
    private TestKit() {}

    /** Waits until {@code condition} holds, polling every 100 ms; fails naming {@code what} after {@code timeout}. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            Thread.sleep(100);
        }
    }

    /** Waits until {@code probe} yields a value and returns it, polling every 100 ms; fails after {@code timeout}. */
    public static <T> T awaitValue(Supplier<Optional<T>> probe, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> v = probe.get();
            if (v.isPresent()) return v.get();
            if (System.nanoTime() > deadline) throw new AssertionError("no value within " + timeout);
            Thread.sleep(100);
        }
    }

    /** The single number {@code sql} selects (a count), with {@code args} bound in order, on the config's database. */
    public static long count(PlatformConfig db, String sql, Object... args) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.dbUser(), db.dbPassword())) {
            return count(c, sql, args);
        }
    }

    /** The single number {@code sql} selects (a count), with {@code args} bound in order. */
    public static long count(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * The records of {@code topic} from its beginning that {@code keep} accepts (a record it throws on is skipped:
     * another test's or a malformed one). Reads at least to the end offsets seen at the start and until
     * {@code expected} records were kept, then one quiet second more so that duplicates, had there been any, show up
     * too; gives up at {@code timeout} and returns what it has.
     */
    public static List<ConsumerRecord<String, byte[]>> readFromStart(String bootstrap, String topic,
            Predicate<ConsumerRecord<String, byte[]>> keep, int expected, Duration timeout) {
        Map<String, String> cfg = KafkaSettings.consumer(bootstrap, "unused", "test-reader");
        cfg.remove("group.id");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(KafkaSettings.toProperties(cfg))) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < deadline && System.nanoTime() < quietUntil) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    try {
                        if (keep.test(r)) out.add(r);
                    } catch (RuntimeException skipped) {
                        // not a record this reader understands
                    }
                }
                if (quietUntil == Long.MAX_VALUE && out.size() >= expected
                        && parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp))) {
                    quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                }
            }
        }
        return out;
    }
}
