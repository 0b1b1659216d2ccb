package io.prism.ingest;

import io.prism.platform.auth.ApiTokens;
import io.prism.platform.config.Env;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The ingest service's own settings (the shared ones are in {@code PlatformConfig}).
 *
 * <table>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>PRISM_INGEST_HOST</td><td>0.0.0.0</td><td>HTTP bind address</td></tr>
 * <tr><td>PRISM_INGEST_PORT</td><td>8081</td><td>HTTP port (0 = any free port)</td></tr>
 * <tr><td>PRISM_RENDER_ROOTS</td><td>(none)</td><td>comma-separated folders the farm writes to; path registrations
 *     must lie inside one, and the watch folder follows them</td></tr>
 * <tr><td>PRISM_WATCH_ENABLED</td><td>true</td><td>follow the render roots (only when some are configured)</td></tr>
 * <tr><td>PRISM_WATCH_PATTERN</td><td>&lt;show&gt;/&lt;shot&gt;/&lt;layer&gt;/&lt;name&gt;.&lt;frame:04d&gt;.exr</td>
 *     <td>file names under a root that are frames; see {@code WatchPattern}</td></tr>
 * <tr><td>PRISM_WATCH_JOB</td><td>&lt;show&gt;-&lt;shot&gt;</td><td>job id given to watched frames</td></tr>
 * <tr><td>PRISM_WATCH_STABLE_FOR</td><td>2s</td><td>a file is complete once its size and mtime did not change for
 *     this long</td></tr>
 * <tr><td>PRISM_WATCH_MARKER_SUFFIX</td><td>(none)</td><td>if set (e.g. {@code .done}), a file is complete only once a
 *     sidecar {@code <file><suffix>} exists, and no stability wait applies</td></tr>
 * <tr><td>PRISM_WATCH_INTERVAL</td><td>1s</td><td>time between scans</td></tr>
 * <tr><td>PRISM_BEAUTY_LAYERS</td><td>beauty,rgba</td><td>layer folders whose files are beauty frames</td></tr>
 * <tr><td>PRISM_ALBEDO_LAYERS</td><td>albedo</td><td>layer folders / EXR channel prefixes holding an albedo AOV</td></tr>
 * <tr><td>PRISM_MASK_LAYERS</td><td>mask,alpha</td><td>layer folders / channel prefixes holding a transparency mask</td></tr>
 * <tr><td>PRISM_TOKENS</td><td>dev:prism-dev-token:submit+read+admin</td><td>API tokens,
 *     {@code name:token:scope+scope,...}; scopes submit, read, admin</td></tr>
 * <tr><td>PRISM_MAX_UPLOAD_BYTES</td><td>536870912 (512 MiB)</td><td>largest upload or registered file</td></tr>
 * <tr><td>PRISM_MAX_PIXELS</td><td>67108864 (8192²)</td><td>largest image (width × height) accepted</td></tr>
 * <tr><td>PRISM_MAX_CHANNELS</td><td>64</td><td>most channels in an accepted EXR</td></tr>
 * <tr><td>PRISM_INGEST_VALIDATE_CONCURRENCY</td><td>2</td><td>images decoded at once for validation (bounds
 *     memory: each decode holds the whole image as floats)</td></tr>
 * <tr><td>PRISM_INGEST_TMP</td><td>&lt;PRISM_DATA_DIR&gt;/ingest-tmp</td><td>where uploads are streamed to</td></tr>
 * <tr><td>PRISM_INGEST_RELAY</td><td>true</td><td>run an outbox relay in this service</td></tr>
 * </table>
 */
public record IngestConfig(String host, int port, List<Path> renderRoots, boolean watchEnabled, String watchPattern,
                           String watchJob, Duration watchStableFor, String watchMarkerSuffix, Duration watchInterval,
                           List<String> beautyLayers, List<String> albedoLayers, List<String> maskLayers,
                           ApiTokens tokens, long maxUploadBytes, long maxPixels, int maxChannels,
                           int validateConcurrency, Path tmpDir, boolean runRelay) {

    public static final String DEFAULT_PATTERN = "<show>/<shot>/<layer>/<name>.<frame:04d>.exr";
    public static final String DEV_TOKENS = ApiTokens.DEV_TOKENS;

    public IngestConfig {
        renderRoots = List.copyOf(renderRoots);
        beautyLayers = List.copyOf(beautyLayers);
        albedoLayers = List.copyOf(albedoLayers);
        maskLayers = List.copyOf(maskLayers);
        if (maxUploadBytes < 1 || maxPixels < 1 || maxChannels < 1 || validateConcurrency < 1) {
            throw new IllegalArgumentException("ingest limits must be positive");
        }
    }

    public static IngestConfig from(Env env) {
        Path dataDir = env.path("PRISM_DATA_DIR", Path.of(".prism"));
        List<Path> roots = env.list("PRISM_RENDER_ROOTS", List.of()).stream().map(Path::of).toList();
        return new IngestConfig(
                env.str("PRISM_INGEST_HOST", "0.0.0.0"),
                env.integer("PRISM_INGEST_PORT", 8081),
                roots,
                env.bool("PRISM_WATCH_ENABLED", true),
                env.str("PRISM_WATCH_PATTERN", DEFAULT_PATTERN),
                env.str("PRISM_WATCH_JOB", "<show>-<shot>"),
                env.duration("PRISM_WATCH_STABLE_FOR", Duration.ofSeconds(2)),
                env.str("PRISM_WATCH_MARKER_SUFFIX", null),
                env.duration("PRISM_WATCH_INTERVAL", Duration.ofSeconds(1)),
                env.list("PRISM_BEAUTY_LAYERS", List.of("beauty", "rgba")),
                env.list("PRISM_ALBEDO_LAYERS", List.of("albedo")),
                env.list("PRISM_MASK_LAYERS", List.of("mask", "alpha")),
                ApiTokens.parse(env.str("PRISM_TOKENS", DEV_TOKENS)),
                env.longValue("PRISM_MAX_UPLOAD_BYTES", 512L << 20),
                env.longValue("PRISM_MAX_PIXELS", 8192L * 8192L),
                env.integer("PRISM_MAX_CHANNELS", 64),
                env.integer("PRISM_INGEST_VALIDATE_CONCURRENCY", 2),
                env.path("PRISM_INGEST_TMP", dataDir.resolve("ingest-tmp")),
                env.bool("PRISM_INGEST_RELAY", true));
    }

    public boolean usesDevToken() {
        return tokens.isDevelopmentDefault();
    }

    public IngestConfig withPort(int p) {
        return new IngestConfig(host, p, renderRoots, watchEnabled, watchPattern, watchJob, watchStableFor,
                watchMarkerSuffix, watchInterval, beautyLayers, albedoLayers, maskLayers, tokens, maxUploadBytes,
                maxPixels, maxChannels, validateConcurrency, tmpDir, runRelay);
    }
}
