package io.flotilla.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * PEM text for certificates, private keys (PKCS#8) and CSRs (PKCS#10), and the files that hold
 * them. A private key file is written {@code 0600} from its first byte (created with those
 * permissions, then moved into place), so it is never readable by others, not even briefly.
 *
 * <p>What needs BouncyCastle is in {@link BouncyPem}: reading a certificate or a PKCS#8 EC key
 * (all a CLI command does) then links no BouncyCastle class, and so never verifies the
 * signatures of its signed jars (~50 ms a command).
 */
public final class Pem {
    private Pem() {}

    public static String encode(Object object) {
        return BouncyPem.encode(object);
    }

    public static X509Certificate certificate(String pem) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException | ClassCastException e) {
            throw new IllegalArgumentException("not a PEM X.509 certificate: " + e.getMessage(), e);
        }
    }

    /** Every certificate in {@code pem}, in order (a CA bundle); at least one. */
    public static java.util.List<X509Certificate> certificates(String pem) {
        try {
            java.util.List<X509Certificate> all = new java.util.ArrayList<>();
            for (java.security.cert.Certificate one : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                all.add((X509Certificate) one);
            }
            if (all.isEmpty()) {
                throw new IllegalArgumentException("no PEM X.509 certificate found");
            }
            return java.util.List.copyOf(all);
        } catch (CertificateException | ClassCastException e) {
            throw new IllegalArgumentException("not PEM X.509 certificates: " + e.getMessage(), e);
        }
    }

    /** The PEM text of several certificates, one after the other. */
    public static String encodeAll(java.util.List<X509Certificate> certificates) {
        StringBuilder text = new StringBuilder();
        certificates.forEach(certificate -> text.append(encode(certificate)));
        return text.toString();
    }

    public static PrivateKey privateKey(String pem) {
        PrivateKey pkcs8 = pkcs8(pem);
        if (pkcs8 != null) {
            return pkcs8;
        }
        return BouncyPem.privateKey(pem);
    }

    /**
     * An EC key in PKCS#8 PEM ({@code BEGIN PRIVATE KEY}, what {@link #encode} writes) with the
     * JDK alone: a CLI command that only loads its credential then needs no BouncyCastle class.
     * Null for any other form.
     */
    private static PrivateKey pkcs8(String pem) {
        String begin = "-----BEGIN PRIVATE KEY-----";
        String end = "-----END PRIVATE KEY-----";
        int from = pem == null ? -1 : pem.indexOf(begin);
        int to = from < 0 ? -1 : pem.indexOf(end, from);
        if (to < 0) {
            return null;
        }
        try {
            byte[] der = java.util.Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
            return java.security.KeyFactory.getInstance("EC").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            return null; // not an EC PKCS#8 key: let the general parser say what it is
        }
    }

    public static org.bouncycastle.pkcs.PKCS10CertificationRequest csr(String pem) {
        return BouncyPem.csr(pem);
    }

    public static X509Certificate readCertificate(Path file) throws IOException {
        return certificate(Files.readString(file, StandardCharsets.US_ASCII));
    }

    public static java.util.List<X509Certificate> readCertificates(Path file) throws IOException {
        return certificates(Files.readString(file, StandardCharsets.US_ASCII));
    }

    public static PrivateKey readPrivateKey(Path file) throws IOException {
        return privateKey(Files.readString(file, StandardCharsets.US_ASCII));
    }

    /** Writes a certificate (world-readable, {@code 0644}), replacing the file atomically. */
    public static void writePublic(Path file, String pem) throws IOException {
        write(file, pem, "rw-r--r--");
    }

    /** Writes a private key ({@code 0600}), replacing the file atomically. */
    public static void writePrivate(Path file, String pem) throws IOException {
        write(file, pem, "rw-------");
    }

    private static void write(Path file, String pem, String permissions) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions)));
        try {
            Files.writeString(temp, pem, StandardCharsets.US_ASCII);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
