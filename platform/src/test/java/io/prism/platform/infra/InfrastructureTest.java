package io.prism.platform.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prism.platform.kafka.KafkaSettings;
import io.prism.platform.testing.TestInfra;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfrastructureTest {

    @Test
    void embeddedServersServePlainClientsAndSurviveARestart(@TempDir Path dir) throws Exception {
        try (EmbeddedInfrastructure infra = new EmbeddedInfrastructure(dir).start()) {
            try (Connection c = DriverManager.getConnection(infra.jdbcUrl(), infra.dbUser(), infra.dbPassword())) {
                ResultSet rs = c.createStatement().executeQuery("SHOW server_version");
                rs.next();
                assertThat(rs.getString(1)).startsWith("17.");
                c.createStatement().execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");
            }
            try (Admin admin = Admin.create(java.util.Map.of("bootstrap.servers", infra.kafkaBootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("plain", 1, (short) 1))).all().get();
            }
            try (var p = new KafkaProducer<String, byte[]>(KafkaSettings.toProperties(KafkaSettings.producer(infra.kafkaBootstrapServers(), "p")))) {
                p.send(new ProducerRecord<>("plain", "k", "before restart".getBytes())).get();
            }
            // Stop and start both: data and ports are kept.
            infra.kafka().stop();
            infra.postgres().stop();
            infra.start();
            try (Connection c = DriverManager.getConnection(infra.jdbcUrl(), infra.dbUser(), infra.dbPassword())) {
                ResultSet rs = c.createStatement().executeQuery("SELECT v FROM kept");
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
            var props = KafkaSettings.consumer(infra.kafkaBootstrapServers(), "g", "c");
            try (var consumer = new KafkaConsumer<String, byte[]>(KafkaSettings.toProperties(props))) {
                consumer.subscribe(List.of("plain"));
                String got = null;
                long deadline = System.currentTimeMillis() + 30_000;
                while (got == null && System.currentTimeMillis() < deadline) {
                    for (var r : consumer.poll(Duration.ofMillis(500))) got = new String(r.value());
                }
                assertThat(got).isEqualTo("before restart");
            }
        }
    }

    @Test
    void containersAreUsedWhenDockerIsAvailable() throws Exception {
        assumeTrue(ContainerInfrastructure.dockerAvailable(), "no Docker engine here: the embedded path covers the same contract");
        assumeTrue(!"embedded".equals(System.getenv("PRISM_TEST_INFRA")));
        assertThat(TestInfra.shared()).isInstanceOf(ContainerInfrastructure.class);
        try (Connection c = DriverManager.getConnection(TestInfra.shared().jdbcUrl(), TestInfra.shared().dbUser(), TestInfra.shared().dbPassword())) {
            assertThat(c.isValid(5)).isTrue();
        }
    }

    @Test
    void withoutDockerTheEmbeddedPathIsChosen() {
        assumeTrue(!ContainerInfrastructure.dockerAvailable());
        assertThat(TestInfra.shared()).isInstanceOf(EmbeddedInfrastructure.class);
    }

    @Test
    void externalInfrastructureTakesSettingsFromTheEnvironment() {
        var env = new io.prism.platform.config.Env(java.util.Map.of("PRISM_KAFKA_BOOTSTRAP", "kafka-0:9092",
                "PRISM_JDBC_URL", "jdbc:postgresql://db:5432/prism", "PRISM_DB_USER", "u", "PRISM_DB_PASSWORD", "p"));
        var ext = new ExternalInfrastructure(io.prism.platform.config.PlatformConfig.from(env)).start();
        assertThat(ext.kafkaBootstrapServers()).isEqualTo("kafka-0:9092");
        assertThat(ext.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/prism");
        assertThat(ext.dbUser()).isEqualTo("u");
    }
}
