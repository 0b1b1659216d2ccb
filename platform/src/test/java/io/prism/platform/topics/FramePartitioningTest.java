package io.prism.platform.topics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prism.platform.contracts.Fixtures;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.infra.Infrastructure;
import io.prism.platform.testing.TestInfra;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/** Frame events spread one job over every partition, keep a frame's versions together, and topics grow to the catalogue. */
class FramePartitioningTest {

    /** The partition Kafka's default partitioner picks for a keyed record. */
    private static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private static FrameSubmitted frame(String job, int number, int version) {
        return FrameSubmitted.of(UUID.randomUUID(), job, "show", "sh010", "beauty", number, version, Fixtures.blob("a"), null, Map.of());
    }

    @Test
    void oneJobOfFourHundredFramesReachesEveryPartition() {
        Set<Integer> used = new TreeSet<>();
        for (int n = 1; n <= 400; n++) used.add(partitionOf(frame("job-1", n, 1).key(), Topics.FRAMES.partitions()));
        assertThat(used).hasSize(Topics.FRAME_PARTITIONS);
    }

    @Test
    void versionsOfOneFrameShareAKeyAndOtherLayersOrJobsDoNot() {
        assertThat(frame("job-1", 7, 1).key()).isEqualTo(frame("job-1", 7, 3).key()).isEqualTo("job-1/beauty/7");
        assertThat(frame("job-1", 7, 1).key()).isNotEqualTo(frame("job-2", 7, 1).key()).isNotEqualTo(frame("job-1", 8, 1).key());
    }

    @Test
    void anExistingTopicWithFewerPartitionsIsGrownToTheCatalogue() throws Exception {
        Infrastructure infra = TestInfra.shared();
        String name = "test.grow." + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", infra.kafkaBootstrapServers()))) {
            TopicAdmin.ensureTopics(infra.kafkaBootstrapServers(), List.of(new TopicSpec(name, 2, (short) 1, Map.of(), "frame")), (short) 1);
            assertThat(awaitPartitions(admin, name, 2)).as("created by an earlier run").isEqualTo(2);
            TopicAdmin.ensureTopics(infra.kafkaBootstrapServers(), List.of(new TopicSpec(name, 6, (short) 1, Map.of(), "frame")), (short) 1);
            assertThat(awaitPartitions(admin, name, 6)).isEqualTo(6);
        }
    }

    /** The broker's metadata shows new topics and partitions a moment after they were made: wait for them. */
    private static int awaitPartitions(Admin admin, String topic, int expected) throws InterruptedException {
        int partitions = 0;
        for (int i = 0; i < 100 && partitions != expected; i++) {
            try {
                partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            } catch (java.util.concurrent.ExecutionException notYet) {
                partitions = 0;
            }
            if (partitions != expected) Thread.sleep(100);
        }
        return partitions;
    }
}
