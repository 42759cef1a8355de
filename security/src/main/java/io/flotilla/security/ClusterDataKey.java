package io.flotilla.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cluster data key: the AES-256 key under which managers seal the content of secrets and
 * configs before it reaches the Raft log (AES-GCM, javax.crypto). Made once, at {@code init},
 * kept only by managers in {@code DATA/tls/data.key} (0600, beside {@code ca.key}), given to a
 * manager with its certificate (join, promotion) and deleted by a demoted one; never written to
 * the log, never sent to a worker. Swarm keeps its secrets the same way, under a key of the
 * managers' Raft store.
 *
 * <p>Every seal draws a fresh 96-bit nonce ({@link SecureRandom}); the caller's associated data
 * binds a ciphertext to one object and version, so a ciphertext moved elsewhere does not open.
 */
public final class ClusterDataKey {
    /** GCM's nonce length: 96 bits. */
    public static final int NONCE_BYTES = 12;
    private static final int KEY_BYTES = 32;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] key;

    private ClusterDataKey(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("a cluster data key is " + KEY_BYTES + " bytes, not " + key.length);
        }
        this.key = key.clone();
    }

    /** A content sealed: the nonce drawn for it and the ciphertext with its tag. */
    public record Sealed(byte[] nonce, byte[] ciphertext) {}

    /** A new random key (at {@code init}). */
    public static ClusterDataKey generate() {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        return new ClusterDataKey(key);
    }

    /** The key in its text form ({@link #encoded}), as a join answer carries it. */
    public static ClusterDataKey decode(String encoded) {
        try {
            return new ClusterDataKey(Base64.getDecoder().decode(encoded.strip()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a cluster data key (base64 of 32 bytes)");
        }
    }

    /** Base64 of the key: what goes into the file and a manager's join or renewal answer, nowhere else. */
    public String encoded() {
        return Base64.getEncoder().encodeToString(key);
    }

    public static ClusterDataKey read(Path file) throws IOException {
        try {
            return decode(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    /** Written atomically, readable by its owner only. */
    public void write(Path file) throws IOException {
        Pem.writePrivate(file, encoded() + "\n");
    }

    /** {@code plaintext} sealed with a fresh nonce, bound to {@code associatedData}. */
    public Sealed seal(byte[] plaintext, byte[] associatedData) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce, associatedData);
            return new Sealed(nonce, cipher.doFinal(plaintext));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
        }
    }

    /**
     * The plaintext of a sealed content; refused (with a message that names no content) when the
     * key, the nonce or the associated data is not the one it was sealed with, or it was altered.
     */
    public byte[] open(byte[] nonce, byte[] ciphertext, byte[] associatedData) {
        try {
            return cipher(Cipher.DECRYPT_MODE, nonce, associatedData).doFinal(ciphertext);
        } catch (AEADBadTagException e) {
            throw new IllegalStateException("the content does not open with this cluster data key (another key,"
                    + " or it was moved or altered)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed: " + e.getClass().getSimpleName());
        }
    }

    private Cipher cipher(int mode, byte[] nonce, byte[] associatedData) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(associatedData);
        return cipher;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ClusterDataKey that && java.security.MessageDigest.isEqual(that.key, key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key);
    }

    /** Never the key. */
    @Override
    public String toString() {
        return "ClusterDataKey[hidden]";
    }
}
