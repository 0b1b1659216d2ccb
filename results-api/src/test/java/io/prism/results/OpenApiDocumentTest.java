package io.prism.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.platform.health.Health;
import io.prism.platform.config.Env;
import io.prism.results.http.OpenApiDocument;
import io.prism.results.http.ResultsApiVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The served OpenAPI document and the router agree: every route is documented and every documented operation exists. */
class OpenApiDocumentTest {

    @Test
    void everyRouteOfTheRouterIsInOpenApiAndViceVersa() {
        Vertx vertx = Vertx.vertx();
        try {
            ResultsApiConfig config = ResultsApiConfig.from(new Env(Map.of()));
            ResultsApiVerticle verticle = new ResultsApiVerticle(config, null, null, null, null, new Health(),
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), OpenApiDocument.load(), p -> {});
            verticle.init(vertx, vertx.getOrCreateContext());
            Set<String> routed = new TreeSet<>();
            for (Route r : verticle.router().getRoutes()) {
                String path = r.getPath();
                if (path == null || path.endsWith("*") || path.equals("/") || r.methods() == null) continue;
                for (HttpMethod m : r.methods()) {
                    if (m != HttpMethod.HEAD) routed.add(m.name() + " " + path);
                }
            }
            Set<String> documented = new TreeSet<>(OpenApiDocument.load().operations());
            assertThat(routed).hasSizeGreaterThan(15);
            assertThat(documented).containsAll(routed);
            assertThat(routed).containsAll(documented);
        } finally {
            vertx.close();
        }
    }

    @Test
    void prismServeFindsTheServiceByName() {
        assertThat(java.util.ServiceLoader.load(io.prism.platform.service.PrismService.class).stream()
                .map(p -> p.get().name())).contains("results-api");
    }

    @Test
    void configDefaultsAndTokenFormat() {
        ResultsApiConfig c = ResultsApiConfig.from(new Env(Map.of("PRISM_TOKENS", "ci:s3cret-token:read+admin")));
        assertThat(c.port()).isEqualTo(8082);
        assertThat(c.publicRead()).isFalse();
        assertThat(ResultsApiConfig.from(new Env(Map.of())).developmentTokens()).as("unset: the dev token shared with ingest").isTrue();
        assertThat(ResultsApiConfig.from(new Env(Map.of())).tokens().authenticate("prism-dev-token")).isPresent();
        assertThat(c.developmentTokens()).isFalse();
        assertThat(c.tokens().authenticate("s3cret-token")).get().satisfies(p -> {
            assertThat(p.name()).isEqualTo("ci");
            assertThat(p.allows(io.prism.platform.auth.Scope.SUBMIT)).as("admin implies every scope").isTrue();
        });
        assertThat(c.tokens().authenticate("s3cret-tokeN")).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResultsApiConfig.from(new Env(Map.of("PRISM_TOKENS", "ci:s3cret-token:write"))))
                .hasMessageContaining("unknown scope 'write'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResultsApiConfig.from(new Env(Map.of("PRISM_TOKENS", "ci:short:read"))))
                .hasMessageContaining("shorter than 8");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResultsApiConfig.from(new Env(Map.of("PRISM_RESULTS_PORT", "eighty"))))
                .hasMessageContaining("PRISM_RESULTS_PORT");
    }
}
