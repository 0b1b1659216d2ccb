package io.prism.results.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The hand-written OpenAPI 3.1 document ({@code openapi.yaml} on the class path), served as YAML and as JSON.
 * Parsed once at start, so a malformed document fails the service start rather than a client.
 */
public final class OpenApiDocument {
    private final String yaml;
    private final String json;
    private final JsonNode tree;

    private OpenApiDocument(String yaml) throws IOException {
        this.yaml = yaml;
        this.tree = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        this.json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(tree);
    }

    public static OpenApiDocument load() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream("/openapi.yaml")) {
            if (in == null) throw new IllegalStateException("openapi.yaml missing from the class path");
            return new OpenApiDocument(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("openapi.yaml is not valid YAML: " + e.getMessage(), e);
        }
    }

    public String yaml() { return yaml; }
    public String json() { return json; }

    /** "METHOD /path" for every operation, with OpenAPI's {param} written as Vert.x's :param. */
    public List<String> operations() {
        List<String> ops = new ArrayList<>();
        tree.path("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> {
            if (List.of("get", "post", "put", "delete", "patch", "head").contains(m)) {
                ops.add(m.toUpperCase() + " " + p.getKey().replaceAll("\\{([^}]+)}", ":$1"));
            }
        }));
        return ops;
    }
}
