package io.flotilla.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * What a service's tasks need to find (compose {@code x-flotilla: {requires, on_dependency_change}})
 * and what happens to a running task when those services' endpoints change.
 *
 * @param requires full names of services of other stacks ({@code billing_api}) that the task needs
 *                 besides its {@code depends_on}; they reach it as environment like dependencies
 * @param onChange the policy when the endpoint set of a dependency (depends_on or requires) changes
 */
public record DiscoverySpec(List<String> requires, OnDependencyChange onChange) {
    public static final DiscoverySpec NONE = new DiscoverySpec(List.of(), new OnDependencyChange.Ignore());

    public DiscoverySpec {
        requires = Checks.list(requires);
        onChange = onChange == null ? new OnDependencyChange.Ignore() : onChange;
    }

    /** The policy for a task whose dependencies' endpoints changed. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "action")
    @JsonSubTypes({
            @JsonSubTypes.Type(value = OnDependencyChange.Ignore.class, name = "ignore"),
            @JsonSubTypes.Type(value = OnDependencyChange.Restart.class, name = "restart"),
            @JsonSubTypes.Type(value = OnDependencyChange.Signal.class, name = "signal"),
            @JsonSubTypes.Type(value = OnDependencyChange.Exec.class, name = "exec"),
    })
    public sealed interface OnDependencyChange {
        /** Nothing: the task keeps the environment it started with. */
        record Ignore() implements OnDependencyChange {}

        /** The task is replaced by a new one, which starts with the new values. */
        record Restart() implements OnDependencyChange {}

        /** The task's process group gets {@code signal} ({@code SIGHUP}); the new values are in {@code <DEP>_ENDPOINTS} of a file. */
        record Signal(String signal) implements OnDependencyChange {
            public Signal {
                Checks.requireText(signal, "signal");
            }
        }

        /** {@code command} runs in the task's directory and environment, with the new values as environment. */
        record Exec(List<String> command) implements OnDependencyChange {
            public Exec {
                command = Checks.list(command);
                if (command.isEmpty()) {
                    throw new IllegalArgumentException("exec needs a command");
                }
            }
        }
    }
}
