package io.flotilla.model;

import java.util.List;

/** A parsed, validated stack: its services with full names, ready to deploy. */
public record StackSpec(String name, List<ServiceSpec> services) {
    public StackSpec {
        Checks.requireText(name, "stack name");
        services = Checks.list(services);
    }
}
