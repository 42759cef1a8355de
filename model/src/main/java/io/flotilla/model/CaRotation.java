package io.flotilla.model;

import java.time.Instant;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A root CA rotation under way ({@code flotilla ca rotate}), as the replicated state holds it:
 * the new root, its key (so that whichever manager a node asks signs with it; the state never
 * leaves the managers, and {@code /v1/state} omits the cluster config), the new root cross-signed
 * by the old one, and the nodes that hold a certificate of the new root. When every node of the
 * cluster is among them, applying the last one ends the rotation: the new root becomes the only
 * one ({@link ClusterConfig#caRoot}) and the old one is trusted no more.
 *
 * @param rootPem        the new root's certificate
 * @param keyPem         the new root's private key (PKCS#8 PEM)
 * @param crossSignedPem the new root's name and key, signed by the old root
 * @param previousRootPem the old root, trusted until the rotation ends
 * @param rootDigest     SHA-256 (hex) of {@code rootPem}: what renewals name
 * @param renewed        ids of nodes that got a certificate of the new root
 * @param startedAt      when the rotation was asked for
 */
public record CaRotation(String rootPem, String keyPem, String crossSignedPem, String previousRootPem,
                         String rootDigest, SortedSet<String> renewed, Instant startedAt) {
    public CaRotation {
        Checks.requireText(rootPem, "rootPem");
        Checks.requireText(keyPem, "keyPem");
        Checks.requireText(crossSignedPem, "crossSignedPem");
        Checks.requireText(previousRootPem, "previousRootPem");
        Checks.requireText(rootDigest, "rootDigest");
        renewed = renewed == null || renewed.isEmpty() ? Collections.emptySortedSet()
                : Collections.unmodifiableSortedSet(new TreeSet<>(renewed));
    }

    /** This rotation with {@code nodeId} among the renewed nodes. */
    public CaRotation withRenewed(String nodeId) {
        if (renewed.contains(nodeId)) {
            return this;
        }
        TreeSet<String> all = new TreeSet<>(renewed);
        all.add(nodeId);
        return new CaRotation(rootPem, keyPem, crossSignedPem, previousRootPem, rootDigest, all, startedAt);
    }

    @Override
    public String toString() {
        return "CaRotation[root " + rootDigest.substring(0, Math.min(12, rootDigest.length())) + "…, key hidden, "
                + renewed.size() + " nodes renewed, started " + startedAt + "]";
    }
}
