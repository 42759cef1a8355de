package io.flotilla.security;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Key pairs (ECDSA P-256) and certificate signing requests. A key never leaves the node that
 * made it: the node sends a CSR, which proves it holds the key (the CSR is signed with it), and
 * gets a certificate back. The CA decides the subject itself; the CSR's subject is a hint.
 */
public final class CertificateRequests {
    static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";

    private CertificateRequests() {}

    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make P-256 keys", e);
        }
    }

    /** A PEM CSR for {@code keys}, with {@code commonName} as its subject. */
    public static String csr(KeyPair keys, String commonName) {
        try {
            PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(
                    new X500Name("CN=" + commonName), keys.getPublic())
                    .build(new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(keys.getPrivate()));
            return Pem.encode(request);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public key of a PEM CSR, once its signature is checked; a bad CSR is an {@link IllegalArgumentException}. */
    public static PublicKey verifiedPublicKey(String csrPem) {
        PKCS10CertificationRequest request = Pem.csr(csrPem);
        try {
            JcaPKCS10CertificationRequest jca = new JcaPKCS10CertificationRequest(request);
            PublicKey key = jca.getPublicKey();
            ContentVerifierProvider verifier = new JcaContentVerifierProviderBuilder().build(key);
            if (!request.isSignatureValid(verifier)) {
                throw new IllegalArgumentException("the CSR's signature does not match its public key");
            }
            if (!key.getAlgorithm().equals("EC")) {
                throw new IllegalArgumentException("the CSR's key must be an EC (P-256) key, not " + key.getAlgorithm());
            }
            return key;
        } catch (GeneralSecurityException | OperatorCreationException | PKCSException | IllegalStateException e) {
            throw new IllegalArgumentException("invalid CSR: " + e.getMessage(), e);
        }
    }
}
