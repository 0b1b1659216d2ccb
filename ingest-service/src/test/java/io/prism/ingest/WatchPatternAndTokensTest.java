package io.prism.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prism.platform.auth.ApiTokens;
import io.prism.platform.auth.Scope;
import io.prism.ingest.watch.WatchPattern;
import io.prism.platform.config.Env;
import io.prism.platform.service.PrismService;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The pieces that need no broker: file-name patterns, tokens and scopes, config parsing, service discovery. */
class WatchPatternAndTokensTest {

    @Test
    void theDefaultPatternMatchesFarmFileNamesAndNothingElse() {
        WatchPattern p = new WatchPattern(IngestConfig.DEFAULT_PATTERN);
        assertThat(p.match("show1/sh010/beauty/sh010_main.0042.exr")).hasValue(
                Map.of("show", "show1", "shot", "sh010", "layer", "beauty", "name", "sh010_main", "frame", "0042"));
        assertThat(p.match("show1/sh010/beauty/sh010.v002.1001.exr").orElseThrow()).containsEntry("name", "sh010.v002")
                .containsEntry("frame", "1001");
        assertThat(p.match("show1/sh010/beauty/sh010.12345.exr").orElseThrow()).containsEntry("frame", "12345");
        assertThat(p.match("show1/sh010/beauty/sh010.042.exr")).as("fewer than 4 digits").isEmpty();
        assertThat(p.match("show1/sh010/beauty/sh010.0042.exr.tmp")).isEmpty();
        assertThat(p.match("show1/sh010/sh010.0042.exr")).as("no layer folder").isEmpty();
        assertThat(p.match("show1/sh010/beauty/extra/sh010.0042.exr")).as("a field never spans folders").isEmpty();
        assertThat(WatchPattern.fill("<show>-<shot>", Map.of("show", "s", "shot", "t"))).isEqualTo("s-t");
    }

    @Test
    void aPatternWithoutLayerTreatsFilesAsBeautyAndRequiresShowShotFrame() {
        WatchPattern p = new WatchPattern("<show>_<shot>.<frame>.exr");
        assertThat(p.match("a_b.7.exr").orElseThrow()).containsEntry("layer", "beauty").containsEntry("frame", "7");
        assertThatThrownBy(() -> new WatchPattern("<show>/<name>.<frame:04d>.exr")).hasMessageContaining("<shot>");
    }

    @Test
    void tokensAuthenticateByValueAndScopesAreEnforced() {
        ApiTokens t = ApiTokens.parse("farm:farm-secret-1:submit, viewer:view-secret-1:read, ops:ops-secret-01:admin");
        assertThat(t.authenticate("farm-secret-1").orElseThrow().allows(Scope.SUBMIT)).isTrue();
        assertThat(t.authenticate("farm-secret-1").orElseThrow().allows(Scope.READ)).isFalse();
        assertThat(t.authenticate("view-secret-1").orElseThrow().name()).isEqualTo("viewer");
        assertThat(t.authenticate("ops-secret-01").orElseThrow().allows(Scope.SUBMIT)).as("admin implies all").isTrue();
        assertThat(t.authenticate("farm-secret-2")).isEmpty();
        assertThat(t.authenticate("farm-secret-1 ")).isEmpty();
        assertThat(t.authenticate("")).isEmpty();
        assertThat(t.authenticate(null)).isEmpty();
        assertThatThrownBy(() -> ApiTokens.parse("farm:short:submit")).hasMessageContaining("shorter than 8");
        assertThatThrownBy(() -> ApiTokens.parse("farm:long-enough-token:write")).hasMessageContaining("unknown scope 'write'");
        assertThatThrownBy(() -> ApiTokens.parse("farm-long-enough-token")).hasMessageContaining("name:secret:scope")
                .hasMessageNotContaining("farm-long-enough-token");
    }

    @Test
    void configHasDocumentedDefaultsAndReadsTheEnvironment() {
        IngestConfig d = IngestConfig.from(new Env(Map.of()));
        assertThat(d.port()).isEqualTo(8081);
        assertThat(d.renderRoots()).isEmpty();
        assertThat(d.watchPattern()).isEqualTo(IngestConfig.DEFAULT_PATTERN);
        assertThat(d.usesDevToken()).isTrue();
        assertThat(d.maxUploadBytes()).isEqualTo(512L << 20);
        IngestConfig c = IngestConfig.from(new Env(Map.of("PRISM_RENDER_ROOTS", "/a, /b", "PRISM_WATCH_STABLE_FOR", "750ms",
                "PRISM_TOKENS", "x:abcdefghij:read", "PRISM_MAX_UPLOAD_BYTES", "1024")));
        assertThat(c.renderRoots()).hasSize(2);
        assertThat(c.watchStableFor().toMillis()).isEqualTo(750);
        assertThat(c.usesDevToken()).isFalse();
        assertThat(c.maxUploadBytes()).isEqualTo(1024);
        assertThatThrownBy(() -> IngestConfig.from(new Env(Map.of("PRISM_INGEST_PORT", "http")))).hasMessageContaining("PRISM_INGEST_PORT");
    }

    @Test
    void theLauncherFindsTheServiceAndTheCommands() throws Exception {
        assertThat(ServiceLoader.load(PrismService.class).stream().map(p -> p.get().name())).contains(IngestService.NAME);
        StringBuilder commands = new StringBuilder();
        var urls = getClass().getClassLoader().getResources("META-INF/prism/commands");
        while (urls.hasMoreElements()) {
            try (var in = urls.nextElement().openStream()) {
                commands.append(new String(in.readAllBytes())).append('\n');
            }
        }
        assertThat(commands.toString()).contains("io.prism.ingest.cli.PublishCommand").contains("io.prism.ingest.cli.BenchIngestCommand");
    }
}
