package io.prism.platform.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the catalogue's topics at start-up when they are missing, and adds partitions to an existing topic that has
 * fewer than the catalogue declares (a data folder from before a raise); configs of existing topics are left alone.
 */
public final class TopicAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

    private TopicAdmin() {}

    public static void ensureTopics(String bootstrapServers, List<TopicSpec> specs, short replicationFactor) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (TopicSpec s : specs) {
                if (!existing.contains(s.name())) {
                    short rf = replicationFactor > 0 ? replicationFactor : s.replicationFactor();
                    missing.add(new NewTopic(s.name(), s.partitions(), rf).configs(Map.copyOf(s.configs())));
                }
            }
            growPartitions(admin, specs.stream().filter(s -> existing.contains(s.name())).toList());
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get();
                LOG.info("event=topics-created topics={}", missing.stream().map(NewTopic::name).toList());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topics on " + bootstrapServers + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static void growPartitions(Admin admin, List<TopicSpec> specs) throws InterruptedException, ExecutionException {
        if (specs.isEmpty()) return;
        Map<String, TopicDescription> found = admin.describeTopics(specs.stream().map(TopicSpec::name).toList()).allTopicNames().get();
        Map<String, NewPartitions> grow = new java.util.HashMap<>();
        for (TopicSpec s : specs) {
            TopicDescription d = found.get(s.name());
            if (d != null && d.partitions().size() < s.partitions()) grow.put(s.name(), NewPartitions.increaseTo(s.partitions()));
        }
        if (grow.isEmpty()) return;
        try {
            admin.createPartitions(grow).all().get();
            LOG.info("event=topic-partitions-added topics={}", grow.keySet());
        } catch (ExecutionException e) {
            // another service grew it first
            if (!(e.getCause() instanceof InvalidPartitionsException)) throw e;
        }
    }

    public static void ensureTopics(String bootstrapServers) {
        ensureTopics(bootstrapServers, Topics.all(), (short) 0);
    }

    static Duration timeout() {
        return Duration.ofSeconds(60);
    }
}
