package io.flotilla.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.List;

/**
 * A service on a network: the network's cluster-wide name and the extra names the service answers
 * to on it (Compose's per-network {@code aliases}), besides its own.
 */
public record NetworkAttachment(String network, List<String> aliases) {
    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public NetworkAttachment {
        Checks.requireText(network, "network");
        aliases = Checks.list(aliases);
    }

    /** No aliases; also how a template stored before aliases existed reads its network names. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public NetworkAttachment(String network) {
        this(network, List.of());
    }
}
