package io.prism.results;

import io.prism.platform.config.Env;
import io.prism.platform.auth.ApiTokens;

/**
 * results-api settings, read from environment variables (besides {@link io.prism.platform.config.PlatformConfig}).
 *
 * <table>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>PRISM_RESULTS_HOST</td><td>0.0.0.0</td><td>interface the HTTP server binds</td></tr>
 * <tr><td>PRISM_RESULTS_PORT</td><td>8082</td><td>HTTP port (0 = any free port, e.g. in tests)</td></tr>
 * <tr><td>PRISM_RESULTS_INSTANCES</td><td>2</td><td>HTTP verticle instances (event loops serving requests)</td></tr>
 * <tr><td>PRISM_TOKENS</td><td>dev:prism-dev-token:submit+read+admin</td><td>API tokens, the format ingest-service
 *     reads too: {@code name:secret:scope1+scope2,...}; scopes {@code read}, {@code submit}, {@code admin} (admin implies
 *     all). The default is the development token, logged as a warning at start: set PRISM_TOKENS in production.</td></tr>
 * <tr><td>PRISM_RESULTS_PUBLIC_READ</td><td>false</td><td>serve the read-only API without a token (demo, studio LAN)</td></tr>
 * <tr><td>PRISM_RESULTS_PAGE_SIZE</td><td>100</td><td>default page size of list endpoints</td></tr>
 * <tr><td>PRISM_RESULTS_MAX_PAGE_SIZE</td><td>1000</td><td>largest page a client may ask for</td></tr>
 * <tr><td>PRISM_RESULTS_REPROCESS_MAX_FRAMES</td><td>10000</td><td>most frames one reprocess request may resubmit</td></tr>
 * <tr><td>PRISM_RESULTS_PREVIEW_MAX_PIXELS</td><td>16777216</td><td>largest source frame converted to a PNG preview</td></tr>
 * <tr><td>PRISM_RESULTS_PREVIEW_CACHE</td><td>256</td><td>beauty PNG previews kept in memory (LRU)</td></tr>
 * <tr><td>PRISM_RESULTS_OUTBOX_RELAY</td><td>true</td><td>run an outbox relay (publishes reprocess requests to Kafka);
 *     several relays are safe, so the all-in-one runtime may run one per service</td></tr>
 * </table>
 */
public record ResultsApiConfig(String host, int port, int instances, ApiTokens tokens, boolean publicRead, int pageSize,
                               int maxPageSize, int reprocessMaxFrames, long previewMaxPixels, int previewCacheEntries,
                               boolean outboxRelay) {

    public ResultsApiConfig {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("PRISM_RESULTS_PORT out of range: " + port);
        if (instances < 1) throw new IllegalArgumentException("PRISM_RESULTS_INSTANCES must be >= 1: " + instances);
        if (pageSize < 1 || pageSize > maxPageSize) {
            throw new IllegalArgumentException("PRISM_RESULTS_PAGE_SIZE must be in 1..PRISM_RESULTS_MAX_PAGE_SIZE: " + pageSize);
        }
    }

    /** The same development default as ingest-service, so {@code prism demo} works with one token. */
    public static final String DEV_TOKENS = ApiTokens.DEV_TOKENS;

    public boolean developmentTokens() {
        return tokens.isDevelopmentDefault();
    }

    public ResultsApiConfig withPort(int newPort) {
        return new ResultsApiConfig(host, newPort, instances, tokens, publicRead, pageSize, maxPageSize, reprocessMaxFrames,
                previewMaxPixels, previewCacheEntries, outboxRelay);
    }

    public static ResultsApiConfig from(Env env) {
        return new ResultsApiConfig(
                env.str("PRISM_RESULTS_HOST", "0.0.0.0"),
                env.integer("PRISM_RESULTS_PORT", 8082),
                env.integer("PRISM_RESULTS_INSTANCES", 2),
                ApiTokens.parse(env.str("PRISM_TOKENS", DEV_TOKENS)),
                env.bool("PRISM_RESULTS_PUBLIC_READ", false),
                env.integer("PRISM_RESULTS_PAGE_SIZE", 100),
                env.integer("PRISM_RESULTS_MAX_PAGE_SIZE", 1000),
                env.integer("PRISM_RESULTS_REPROCESS_MAX_FRAMES", 10_000),
                env.longValue("PRISM_RESULTS_PREVIEW_MAX_PIXELS", 16L * 1024 * 1024),
                env.integer("PRISM_RESULTS_PREVIEW_CACHE", 256),
                env.bool("PRISM_RESULTS_OUTBOX_RELAY", true));
    }
}
