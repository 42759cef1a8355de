package io.flotilla.security;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The cluster roots a node trusts, and what it shows with its own certificate. Outside a CA
 * rotation that is one root. During a rotation ({@code flotilla ca rotate}) it is the new root
 * (which signs every certificate issued from then on) and the old one, and {@code chain} holds the
 * new root cross-signed by the old one followed by the old root: a node that renewed presents
 * [its certificate, cross-signed new root, old root], which a peer that still trusts only the old
 * root accepts (the path ends at the old root), a peer that trusts the new root accepts at the
 * cross-signed certificate (same name, same key as the new root), and a joining node pinning the
 * old root's digest finds it. So no handshake fails at any step of a rotation, whichever nodes
 * have learned of it yet.
 *
 * @param roots the trusted roots, the one that signs now first (never empty)
 * @param chain what follows a certificate signed by {@code roots[0]} in this node's chain, when
 *              that is not simply {@code roots[0]} (empty outside a rotation)
 */
public record CaBundle(List<X509Certificate> roots, List<X509Certificate> chain) {
    public CaBundle {
        roots = List.copyOf(roots);
        chain = chain == null ? List.of() : List.copyOf(chain);
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("a CA bundle needs at least one root");
        }
    }

    public static CaBundle of(X509Certificate root) {
        return new CaBundle(List.of(root), List.of());
    }

    /** The root that signs certificates now. */
    public X509Certificate signing() {
        return roots.getFirst();
    }

    /**
     * The root join tokens pin: the oldest trusted one, which every chain a manager presents
     * contains during a rotation (old certificates end at it, new ones through the cross-signed
     * certificate); after the rotation, the new root.
     */
    public X509Certificate pinned() {
        return roots.getLast();
    }

    /** SHA-256 digests (hex) of every trusted root: a join token may pin any of them. */
    public List<String> digests() {
        return roots.stream().map(CertificateAuthority::digest).toList();
    }

    /** The root among {@link #roots} that issued {@code certificate} (by name and signature), or null. */
    public X509Certificate issuerOf(X509Certificate certificate) {
        for (X509Certificate root : roots) {
            if (issued(certificate, root)) {
                try {
                    certificate.verify(root.getPublicKey());
                    return root;
                } catch (java.security.GeneralSecurityException e) {
                    // same name, another key: not this one
                }
            }
        }
        return null;
    }

    /** True if {@code certificate} was issued by the root that signs now. */
    public boolean signedByCurrentRoot(X509Certificate certificate) {
        return Objects.equals(issuerOf(certificate), signing());
    }

    /** The chain a node presents with {@code leaf}: the leaf, then the path to every root a peer may trust. */
    public X509Certificate[] chainFor(X509Certificate leaf) {
        List<X509Certificate> all = new ArrayList<>();
        all.add(leaf);
        if (!chain.isEmpty() && issued(leaf, chain.getFirst())) {
            all.addAll(chain);
        } else {
            all.add(roots.stream().filter(root -> issued(leaf, root)).findFirst().orElse(signing()));
        }
        return all.toArray(X509Certificate[]::new);
    }

    /** By name: {@code ca} is the issuer {@code certificate} names (no signature check: a chain to show, not to trust). */
    private static boolean issued(X509Certificate certificate, X509Certificate ca) {
        return ca.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
    }
}
