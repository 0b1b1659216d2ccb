package io.prism.results.db;

import java.util.List;

/** One page of a keyset listing: its rows and whether rows follow (the query read one row past the page). */
public record Slice<T>(List<T> items, boolean more) {

    static <T> Slice<T> of(List<T> rows, int limit) {
        return rows.size() > limit ? new Slice<>(List.copyOf(rows.subList(0, limit)), true) : new Slice<>(List.copyOf(rows), false);
    }
}
