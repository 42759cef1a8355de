package io.flotilla.model;

import java.util.List;

/**
 * A parsed, validated stack: its services with full names, ready to deploy.
 *
 * @param networks         the networks the stack makes and owns, by full name ({@code <stack>_default}
 *                         first, when a service uses it), removed with the stack
 * @param externalNetworks networks made with {@code flotilla network create} that the stack uses
 *                         ({@code external: true}): they must exist at deploy, and stay after it
 * @param files            the secrets and configs its services use: its own ({@code <stack>_<key>}, whose
 *                         content comes beside the stack in the deploy request) and external ones
 */
public record StackSpec(String name, List<ServiceSpec> services, List<NetworkSpec> networks,
                        List<String> externalNetworks, List<FileSpec> files) {
    public StackSpec {
        Checks.requireText(name, "stack name");
        services = Checks.list(services);
        networks = Checks.list(networks);
        externalNetworks = Checks.list(externalNetworks);
        files = Checks.list(files);
    }

    /** A stack without secrets or configs. */
    public StackSpec(String name, List<ServiceSpec> services, List<NetworkSpec> networks,
                     List<String> externalNetworks) {
        this(name, services, networks, externalNetworks, List.of());
    }

    /** A stack that declares no networks of its own. */
    public StackSpec(String name, List<ServiceSpec> services) {
        this(name, services, List.of(), List.of());
    }
}
