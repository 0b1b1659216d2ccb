package io.prism.worker;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which tasks a frame gets, by show and layer. Rules are {@code show/layer=task+task} separated by {@code ;}, with
 * {@code *} matching anything; the first matching rule wins, otherwise the default tasks apply. Example:
 * {@code PRISM_WORKER_TASK_RULES="commercial/*=albedo; feature/bg=albedo+mask"} (a rule for every show
 * of one layer starts with a star: star slash layer).
 * A rule may name {@code none} to skip inference for matching frames (they are marked processed with no results).
 */
public final class TaskRules {
    private record Rule(String show, String layer, List<String> tasks) {
        boolean matches(String s, String l) {
            return ("*".equals(show) || show.equals(s)) && ("*".equals(layer) || layer.equals(l));
        }
    }

    private final List<String> defaults;
    private final List<Rule> rules;

    private TaskRules(List<String> defaults, List<Rule> rules) {
        this.defaults = List.copyOf(defaults);
        this.rules = List.copyOf(rules);
    }

    public static TaskRules parse(List<String> defaults, String spec) {
        List<Rule> rules = new ArrayList<>();
        if (spec != null && !spec.isBlank()) {
            for (String part : spec.split(";")) {
                String r = part.trim();
                if (r.isEmpty()) continue;
                int eq = r.indexOf('=');
                int slash = r.indexOf('/');
                if (eq < 0 || slash < 0 || slash > eq) {
                    throw new IllegalArgumentException("task rule '" + r + "' is not show/layer=task+task");
                }
                String show = r.substring(0, slash).trim();
                String layer = r.substring(slash + 1, eq).trim();
                List<String> tasks = Arrays.stream(r.substring(eq + 1).split("[+,]")).map(String::trim)
                        .filter(t -> !t.isEmpty()).toList();
                if (show.isEmpty() || layer.isEmpty() || tasks.isEmpty()) {
                    throw new IllegalArgumentException("task rule '" + r + "' is not show/layer=task+task");
                }
                rules.add(new Rule(show, layer, tasks.equals(List.of("none")) ? List.of() : tasks));
            }
        }
        return new TaskRules(defaults, rules);
    }

    /** The tasks for a frame of this show and layer (possibly empty). */
    public List<String> tasksFor(String show, String layer) {
        for (Rule r : rules) {
            if (r.matches(show, layer)) return r.tasks();
        }
        return defaults;
    }

    /** Every task any rule can ask for: the worker loads a model for each at start. */
    public Set<String> allTasks() {
        Set<String> all = new LinkedHashSet<>(defaults);
        rules.forEach(r -> all.addAll(r.tasks()));
        return all;
    }
}
