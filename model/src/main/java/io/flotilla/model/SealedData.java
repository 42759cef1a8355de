package io.flotilla.model;

import java.util.Arrays;

/**
 * The content of a secret or config version as the cluster stores it: AES-256-GCM ciphertext
 * (with its tag) under the managers' cluster data key, and the 12-byte nonce it was sealed with.
 * The associated data binds it to its object (kind, id, name, version), so a ciphertext moved to
 * another object or version does not open. Only managers hold the key; the Raft log, snapshots
 * and {@code /v1/state} carry only this.
 *
 * @param nonce      the GCM nonce, drawn at random for each version by the manager that sealed it
 * @param ciphertext the ciphertext followed by the 16-byte tag
 */
public record SealedData(byte[] nonce, byte[] ciphertext) {
    public SealedData {
        if (nonce == null || nonce.length != 12) {
            throw new IllegalArgumentException("sealed data needs a 12-byte nonce");
        }
        if (ciphertext == null || ciphertext.length < 16) {
            throw new IllegalArgumentException("sealed data needs a ciphertext with its 16-byte tag");
        }
        nonce = nonce.clone();
        ciphertext = ciphertext.clone();
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }

    @Override
    public byte[] ciphertext() {
        return ciphertext.clone();
    }

    /** The content's length (the ciphertext less its tag). */
    public int plaintextLength() {
        return ciphertext.length - 16;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SealedData sealed && Arrays.equals(sealed.nonce, nonce)
                && Arrays.equals(sealed.ciphertext, ciphertext);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(nonce) + Arrays.hashCode(ciphertext);
    }

    @Override
    public String toString() {
        return "SealedData[" + plaintextLength() + " bytes]";
    }
}
