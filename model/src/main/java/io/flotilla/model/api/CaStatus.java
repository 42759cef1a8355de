package io.flotilla.model.api;

import java.time.Instant;
import java.util.List;

/**
 * {@code GET /v1/cluster/ca}: the roots a node of the cluster trusts now and the chain it shows
 * with a certificate of the newest one, as the answering manager's state has them at
 * {@code index} (a node never goes back to an answer of a lower index). {@code rotation} is the
 * rotation under way, or null. No private key ever appears here.
 *
 * @param index        the state index the answer was read at
 * @param roots        trusted root certificates (PEM), the one that signs now first
 * @param chain        what follows a certificate of {@code roots[0]} in a node's chain (PEM), empty outside a rotation
 * @param pinnedDigest SHA-256 (hex) of the root join tokens name now
 * @param rotation     the rotation under way, or null
 */
public record CaStatus(long index, List<String> roots, List<String> chain, String pinnedDigest, Rotation rotation) {
    public CaStatus {
        roots = roots == null ? List.of() : List.copyOf(roots);
        chain = chain == null ? List.of() : List.copyOf(chain);
    }

    /**
     * @param rootDigest SHA-256 (hex) of the new root
     * @param startedAt  when {@code flotilla ca rotate} asked for it
     * @param renewed    nodes that hold a certificate of the new root
     * @param waiting    nodes that do not yet, with their state ({@code w1 (down)})
     */
    public record Rotation(String rootDigest, Instant startedAt, List<String> renewed, List<String> waiting) {
        public Rotation {
            renewed = renewed == null ? List.of() : List.copyOf(renewed);
            waiting = waiting == null ? List.of() : List.copyOf(waiting);
        }
    }
}
