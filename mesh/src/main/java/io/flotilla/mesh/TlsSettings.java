package io.flotilla.mesh;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The certificate an HTTPS listener presents: PEM files on the node (a secret is mounted as a file
 * before it gets here). Read when the listener opens, so a bad file fails that listener's bind.
 */
public record TlsSettings(Path certificateChainPem, Path privateKeyPem) {
    public TlsSettings {
        Objects.requireNonNull(certificateChainPem, "certificateChainPem");
        Objects.requireNonNull(privateKeyPem, "privateKeyPem");
    }
}
