package io.prism.platform.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prism.platform.blob.BlobCorruptedException;
import io.prism.platform.blob.FileBlobStore;
import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.ModelPromoted;
import io.prism.platform.contracts.ModelRolledBack;
import io.prism.platform.contracts.PrismEvent;
import io.prism.platform.db.Database;
import io.prism.platform.db.OutboxEntity;
import io.prism.platform.db.OutboxRepository;
import io.prism.platform.infra.Infrastructure;
import io.prism.platform.testing.TestInfra;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
    @TempDir
    Path dir;

    private Path checkpoint(String name, String weights) throws Exception {
        Path ck = dir.resolve(name);
        Files.createDirectories(ck.resolve("weights"));
        Files.writeString(ck.resolve("model.json"), "{\"task\":\"albedo\",\"name\":\"" + name + "\"}");
        Files.writeString(ck.resolve("weights/unet.safetensors"), weights);
        return ck;
    }

    private List<PrismEvent> modelEvents(Database db) {
        return db.repository(OutboxRepository.class).findAll().stream()
                .filter(o -> o.topic().equals("prism.models.v1"))
                .map(OutboxEntity::payload).map(p -> EventCodec.decode(p.getBytes(StandardCharsets.UTF_8))).toList();
    }

    @Test
    void bootstrapPromoteRollbackAndAnnounceThroughTheOutbox() throws Exception {
        Infrastructure infra = TestInfra.shared();
        try (Database db = Database.start(TestInfra.freshDatabase(infra), infra.dbUser(), infra.dbPassword(), 2)) {
            ModelRegistry registry = new ModelRegistry(db, new FileBlobStore(dir.resolve("blobs")));
            ModelVersion v1 = registry.bootstrap("albedo", checkpoint("v1", "weights-1"));
            assertThat(v1.version()).isEqualTo(1);
            assertThat(v1.status()).isEqualTo("active");
            // A second start finds the active version and registers nothing.
            assertThat(registry.bootstrap("albedo", checkpoint("other", "x")).version()).isEqualTo(1);

            ModelVersion v2 = registry.register("albedo", checkpoint("v2", "weights-2"), 1, Map.of("psnr", 30.5), Map.of("pairs", 120), "fine-tune");
            assertThat(v2.status()).isEqualTo("candidate");
            assertThat(v2.parentVersion()).isEqualTo(1);
            registry.promote("albedo", 2, "gate passed");
            assertThat(registry.active("albedo").orElseThrow().version()).isEqualTo(2);
            assertThat(registry.find("albedo", 1).orElseThrow().status()).isEqualTo("retired");

            ModelVersion back = registry.rollback("albedo", "banding reported");
            assertThat(back.version()).isEqualTo(1);
            assertThat(registry.active("albedo").orElseThrow().version()).isEqualTo(1);
            assertThat(registry.find("albedo", 2).orElseThrow().status()).isEqualTo("rejected");
            assertThatThrownBy(() -> registry.rollback("albedo", "again")).hasMessageContaining("no earlier version");

            List<PrismEvent> events = modelEvents(db);
            assertThat(events).hasSize(3);
            assertThat(events.get(1)).isInstanceOfSatisfying(ModelPromoted.class, e -> {
                assertThat(e.version()).isEqualTo(2);
                assertThat(e.previousVersion()).isEqualTo(1);
                assertThat(e.metrics()).containsEntry("psnr", 30.5);
            });
            assertThat(events.get(2)).isInstanceOfSatisfying(ModelRolledBack.class, e -> {
                assertThat(e.fromVersion()).isEqualTo(2);
                assertThat(e.toVersion()).isEqualTo(1);
            });

            Path extracted = registry.materialize(registry.find("albedo", 2).orElseThrow(), dir.resolve("cache"));
            assertThat(Files.readString(extracted.resolve("weights/unet.safetensors"))).isEqualTo("weights-2");
        }
    }

    @Test
    void aCorruptedArtifactIsRefusedOnMaterialize() throws Exception {
        Infrastructure infra = TestInfra.shared();
        try (Database db = Database.start(TestInfra.freshDatabase(infra), infra.dbUser(), infra.dbPassword(), 2)) {
            FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"));
            ModelRegistry registry = new ModelRegistry(db, blobs);
            ModelVersion v = registry.register("mask", checkpoint("m", "w"), null, Map.of(), Map.of(), null);
            Path stored = blobs.pathOf(v.artifact().sha256());
            byte[] b = Files.readAllBytes(stored);
            b[b.length / 2] ^= 0x55;
            Files.write(stored, b);
            assertThatThrownBy(() -> registry.materialize(v, dir.resolve("cache"))).isInstanceOf(BlobCorruptedException.class);
            assertThat(dir.resolve("cache")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(Files.list(p)).isEmpty());
        }
    }

    @Test
    void archivesAreDeterministicAndRefuseZipSlip() throws Exception {
        Path ck = checkpoint("d", "abc");
        var a = new java.io.ByteArrayOutputStream();
        var b = new java.io.ByteArrayOutputStream();
        CheckpointArchive.zip(ck, a);
        Thread.sleep(5);
        Files.setLastModifiedTime(ck.resolve("model.json"), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
        CheckpointArchive.zip(ck, b);
        assertThat(a.toByteArray()).isEqualTo(b.toByteArray());

        var evil = new java.io.ByteArrayOutputStream();
        try (var zip = new java.util.zip.ZipOutputStream(evil)) {
            zip.putNextEntry(new java.util.zip.ZipEntry("../../escape.txt"));
            zip.write(1);
            zip.closeEntry();
        }
        assertThatThrownBy(() -> CheckpointArchive.unzip(new java.io.ByteArrayInputStream(evil.toByteArray()), dir.resolve("x")))
                .hasMessageContaining("escapes");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void unchangedFilesOfANewVersionAreStoredOnceAndADamagedFileIsRefused() throws Exception {
        Infrastructure infra = TestInfra.shared();
        try (Database db = Database.start(TestInfra.freshDatabase(infra), infra.dbUser(), infra.dbPassword(), 2)) {
            FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"));
            ModelRegistry registry = new ModelRegistry(db, blobs);
            Path base = checkpoint("base", "unet-1");
            Files.createDirectories(base.resolve("vae"));
            Files.writeString(base.resolve("vae/diffusion_pytorch_model.safetensors"), "the same large VAE");
            ModelVersion v1 = registry.register("albedo", base, null, Map.of(), Map.of(), null);
            long blobsAfterV1 = blobCount(blobs, v1);
            // a fine-tune: only the UNet's weights change; the VAE and model.json are the same bytes
            Files.writeString(base.resolve("weights/unet.safetensors"), "unet-2");
            ModelVersion v2 = registry.register("albedo", base, 1, Map.of(), Map.of(), "fine-tune");
            assertThat(blobCount(blobs, v2)).as("new blobs: the changed UNet and the manifest").isEqualTo(blobsAfterV1 + 2);
            Path one = registry.materialize(v1, dir.resolve("cache"));
            Path two = registry.materialize(v2, dir.resolve("cache"));
            assertThat(Files.readString(one.resolve("weights/unet.safetensors"))).isEqualTo("unet-1");
            assertThat(Files.readString(two.resolve("weights/unet.safetensors"))).isEqualTo("unet-2");
            assertThat(Files.readString(two.resolve("vae/diffusion_pytorch_model.safetensors"))).isEqualTo("the same large VAE");

            // a damaged component blob: materialising a fresh copy fails and leaves no half-written folder
            Path vae = blobs.pathOf(io.prism.platform.blob.Sha256.hex("the same large VAE".getBytes(StandardCharsets.UTF_8)));
            byte[] b = Files.readAllBytes(vae);
            b[0] ^= 0x55;
            Files.write(vae, b);
            assertThatThrownBy(() -> registry.materialize(v2, dir.resolve("cache2"))).isInstanceOf(BlobCorruptedException.class);
            assertThat(dir.resolve("cache2")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(),
                    p -> assertThat(Files.list(p).filter(x -> !x.getFileName().toString().startsWith(".")).toList()).isEmpty());
        }
    }

    /** Stored blobs: files named by a SHA-256 (not their media-type side files or temporaries). */
    private long blobCount(FileBlobStore blobs, ModelVersion v) throws Exception {
        try (var walk = Files.walk(dir.resolve("blobs"))) {
            return walk.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}")).count();
        }
    }
}
