package io.prism.platform.contracts;

import java.util.List;

/**
 * The dense-prediction tasks a model serves, by the name events, tables, the registry and configuration use.
 * Strings (not an enum) because they are the wire and column values and appear in {@code switch} labels.
 */
public final class Task {
    public static final String ALBEDO = "albedo";
    public static final String MASK = "mask";
    public static final String DEPTH = "depth";
    public static final String NORMALS = "normals";
    /** Every task, in the order listings show them. */
    public static final List<String> ALL = List.of(ALBEDO, MASK, DEPTH, NORMALS);

    private Task() {}
}
