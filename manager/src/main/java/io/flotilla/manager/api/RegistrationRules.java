package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.model.Node;
import io.flotilla.model.Registration;
import io.flotilla.model.api.RegistrationRequest;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Who may register what in {@code /v1/registry} (security issue 17: any certificate could point
 * any name, a stack's service included, at any address, and renew or remove anyone's entry).
 *
 * <ul>
 *   <li>Ids are the server's ({@code reg-} and a random id, never a task's form); a request that
 *       names one is refused.</li>
 *   <li>A name that is a service in the state, or lies in a deployed stack's namespace
 *       ({@code <stack>_...}), is refused: a stack's endpoints are its tasks'.</li>
 *   <li>{@code ttl} is at most {@link #MAX_TTL}, so a registration whose owner stopped renewing
 *       leaves DNS within minutes.</li>
 *   <li>A worker certificate registers only its own node's address (the node's status address in
 *       the state, compared as text): a worker speaks for the processes on its node, not for
 *       another host. Admin and managers may register any address.</li>
 *   <li>Only the owner renews an entry; admin, managers and the owner remove it.</li>
 * </ul>
 * Without TLS (in-process test servers, {@link ApiCaller#PLAINTEXT}) there is no identity: the
 * owner and address rules do not apply, the rest do.
 */
final class RegistrationRules {
    static final Duration MAX_TTL = Duration.ofMinutes(5);
    static final String ID_PREFIX = "reg-";
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    private RegistrationRules() {}

    /** The checks that need only the request; throws 400 naming the rule broken. */
    static void checkRequest(RegistrationRequest request) {
        if (request.id() != null && !request.id().isBlank()) {
            throw ApiException.invalid("id is the server's: omit it (the answer carries the new registration's id;"
                    + " to replace an entry, deregister it and register again)");
        }
        if (request.name() == null || !NAME.matcher(request.name()).matches()) {
            throw ApiException.invalid("name must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: " + request.name());
        }
        if (request.stack() != null && !NAME.matcher(request.stack()).matches()) {
            throw ApiException.invalid("stack must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: " + request.stack());
        }
        if (request.address() == null || request.address().isBlank()) {
            throw ApiException.invalid("address is required");
        }
        if (request.ttl() == null || request.ttl().isNegative() || request.ttl().isZero()) {
            throw ApiException.invalid("ttl is required and must be positive (e.g. \"PT10S\")");
        }
        if (request.ttl().compareTo(MAX_TTL) > 0) {
            throw ApiException.invalid("ttl must be at most " + MAX_TTL + " (5 minutes): " + request.ttl()
                    + "; renew within the ttl to keep the entry longer");
        }
        Map<String, Integer> ports = request.ports() == null ? Map.of() : request.ports();
        ports.forEach((name, port) -> {
            if (port == null || port < 1 || port > 65535) {
                throw ApiException.invalid("port " + name + " out of range: " + port);
            }
        });
    }

    /** The name a request registers under: {@code stack_name} with a stack. */
    static String serviceName(RegistrationRequest request) {
        return request.stack() == null ? request.name() : request.stack() + "_" + request.name();
    }

    /** Refuses (409) a name the state's services own: a service's, or one in a deployed stack's namespace. */
    static void checkName(ClusterState state, String service) {
        if (state.serviceByName(service).isPresent()) {
            throw ApiException.conflict(service + " is a service in the cluster: its endpoints are its tasks',"
                    + " a registration may not add to them; register under another name");
        }
        for (String stack : state.stacks()) {
            if (service.startsWith(stack + "_")) {
                throw ApiException.conflict(service + " is in stack " + stack + "'s namespace (" + stack
                        + "_...), which belongs to the stack's deployment; register under another stack or name");
            }
        }
    }

    /** Refuses (403) a worker certificate's address other than its own node's. */
    static void checkAddress(ClusterState state, ApiCaller caller, String address) {
        if (caller.identity() == null || caller.identity().isAdmin() || caller.identity().isManager()) {
            return;
        }
        String node = caller.identity().commonName();
        String own = state.node(node).map(Node::status).map(status -> status.address()).orElse(null);
        if (!address.equals(own)) {
            throw new ApiException(403, "forbidden", "a worker certificate (" + node + ") registers only its node's"
                    + " address (" + (own == null ? "none known" : own) + "), not " + address
                    + "; other addresses take the admin credential or a manager's");
        }
    }

    /** Refuses (403) a renewal by anyone but the owner. */
    static void checkRenew(ApiCaller caller, Registration registration) {
        if (caller.plaintext() || (registration.owner() != null && registration.owner().equals(caller.owner()))) {
            return;
        }
        throw new ApiException(403, "forbidden", describe(caller) + " may not renew registration " + registration.id()
                + ": only its owner (" + Objects.requireNonNullElse(registration.owner(), "none recorded") + ") renews it");
    }

    /** Refuses (403) a removal by a worker other than the owner. */
    static void checkDeregister(ApiCaller caller, Registration registration) {
        if (caller.plaintext()) {
            return;
        }
        if (caller.identity() != null && (caller.identity().isAdmin() || caller.identity().isManager()
                || Objects.equals(registration.owner(), caller.owner()))) {
            return;
        }
        throw new ApiException(403, "forbidden", describe(caller) + " may not remove registration " + registration.id()
                + " (owner " + Objects.requireNonNullElse(registration.owner(), "none recorded")
                + "): a worker removes only its own; others take the admin credential or a manager's");
    }

    private static String describe(ApiCaller caller) {
        return caller.identity() == null ? "a caller without a certificate"
                : "a " + caller.identity().role() + " certificate (" + caller.identity().commonName() + ")";
    }
}
