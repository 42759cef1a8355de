package io.flotilla.security;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster's root CA: an ECDSA P-256 key and a self-signed certificate valid for 10 years,
 * made once at {@code flotilla init}. It signs node certificates (CN = node id, OU = manager or
 * worker, SAN = the node's IP address and hostname; serverAuth and clientAuth, so one certificate
 * serves both ends of mutual TLS) and the admin credential (OU = admin).
 *
 * <p>Its {@link #digest} (SHA-256 of the certificate, hex) travels in join tokens, so that a
 * joining node can check the manager it reaches before sending anything secret.
 */
public final class CertificateAuthority {
    public static final Duration ROOT_VALIDITY = Duration.ofDays(3650);
    public static final Duration NODE_VALIDITY = Duration.ofDays(90);
    public static final Duration ADMIN_VALIDITY = Duration.ofDays(365);
    /** Clock skew allowance: certificates start this long before they are made (at most a tenth of their life). */
    static final Duration BACKDATE = Duration.ofMinutes(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final PrivateKey key;

    public CertificateAuthority(X509Certificate certificate, PrivateKey key) {
        this.certificate = Objects.requireNonNull(certificate, "certificate");
        this.key = Objects.requireNonNull(key, "key");
        if (certificate.getBasicConstraints() < 0) {
            throw new IllegalArgumentException("not a CA certificate: " + certificate.getSubjectX500Principal());
        }
    }

    /** A new root CA named after the cluster. */
    public static CertificateAuthority create(String clusterName, Instant now) {
        return create("flotilla cluster CA " + clusterName, now, ROOT_VALIDITY);
    }

    /**
     * The root that replaces {@code current} in a rotation: a new key, and a name of its own
     * ({@code … rotated <time>}), so that certificates of the two roots never look alike.
     */
    public static CertificateAuthority successor(X509Certificate current, Instant now) {
        String name = new org.bouncycastle.asn1.x500.X500Name(current.getSubjectX500Principal().getName())
                .getRDNs(BCStyle.CN)[0].getFirst().getValue().toString().replaceAll(" rotated \\S+$", "");
        return create(name + " rotated " + now.truncatedTo(ChronoUnit.SECONDS), now, ROOT_VALIDITY);
    }

    private static CertificateAuthority create(String commonName, Instant now, Duration validity) {
        KeyPair keys = CertificateRequests.newKeyPair();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "flotilla")
                .addRDN(BCStyle.CN, commonName).build();
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(BACKDATE).truncatedTo(ChronoUnit.SECONDS)),
                    Date.from(now.plus(validity)), name, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            return new CertificateAuthority(sign(builder, keys.getPrivate()), keys.getPrivate());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot make the cluster CA", e);
        }
    }

    /**
     * {@code root} (another CA: the successor in a rotation) signed by this one: same name, same
     * key, issued by this root, valid while both are. A chain [certificate of {@code root}, this
     * cross-signed certificate] ends at this root, so a node that trusts only this root accepts
     * certificates of {@code root} ({@link CaBundle}).
     */
    public X509Certificate crossSign(X509Certificate root, Instant now) {
        Instant notAfter = root.getNotAfter().toInstant().isBefore(certificate.getNotAfter().toInstant())
                ? root.getNotAfter().toInstant() : certificate.getNotAfter().toInstant();
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(now.minus(BACKDATE).truncatedTo(ChronoUnit.SECONDS)), Date.from(notAfter),
                    root.getSubjectX500Principal(), root.getPublicKey())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(root.getPublicKey()))
                    .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(certificate));
            return sign(builder, key);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot cross-sign " + root.getSubjectX500Principal(), e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey key() {
        return key;
    }

    /** SHA-256 of the CA certificate (DER), lower-case hex: what join tokens carry. */
    public String digest() {
        return digest(certificate);
    }

    public static String digest(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signs the key of a PEM CSR (checked first) for {@code subject}, valid for {@code validity} from {@code now}. */
    public X509Certificate sign(String csrPem, CertificateSubject subject, Duration validity, Instant now) {
        return issue(CertificateRequests.verifiedPublicKey(csrPem), subject, validity, now);
    }

    /** A certificate for {@code publicKey}: CN and OU from {@code subject}, its addresses as SANs. */
    public X509Certificate issue(PublicKey publicKey, CertificateSubject subject, Duration validity, Instant now) {
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity must be positive: " + validity);
        }
        Duration backdate = validity.dividedBy(10).compareTo(BACKDATE) < 0 ? validity.dividedBy(10) : BACKDATE;
        Instant notAfter = now.plus(validity);
        if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
            notAfter = certificate.getNotAfter().toInstant(); // never outlive the CA
        }
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "flotilla")
                .addRDN(BCStyle.OU, subject.role()).addRDN(BCStyle.CN, subject.commonName()).build();
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(now.minus(backdate).truncatedTo(ChronoUnit.SECONDS)), Date.from(notAfter), name, publicKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey))
                    .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(certificate));
            List<GeneralName> names = new ArrayList<>();
            for (String ip : subject.ipAddresses()) {
                names.add(new GeneralName(GeneralName.iPAddress, literalAddress(ip)));
            }
            for (String dns : subject.dnsNames()) {
                names.add(new GeneralName(GeneralName.dNSName, dns));
            }
            if (!names.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            return sign(builder, key);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot sign a certificate for " + subject.commonName(), e);
        }
    }

    /**
     * The validity {@code certificate} was issued with (its window minus the backdating {@link
     * #issue} adds): renewals and joins reuse it, so a short validity chosen at init (for tests)
     * carries through the cluster without being configured anywhere else.
     */
    public static Duration validityOf(X509Certificate certificate) {
        Duration window = Duration.between(certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant());
        Duration validity = window.compareTo(BACKDATE.multipliedBy(11)) <= 0
                ? Duration.ofMillis(window.toMillis() * 10 / 11) : window.minus(BACKDATE);
        return Duration.ofSeconds(Math.max(1, Math.round(validity.toMillis() / 1000.0)));
    }

    /** Checks {@code certificate} was signed by this CA; throws otherwise. */
    public void verify(X509Certificate leaf) {
        try {
            leaf.verify(certificate.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("certificate " + leaf.getSubjectX500Principal()
                    + " was not signed by this cluster's CA", e);
        }
    }

    private static String literalAddress(String ip) {
        // Only literal addresses: resolving a name here would make the SAN depend on DNS.
        if (!ip.matches("[0-9.]+") && !ip.contains(":")) {
            throw new IllegalArgumentException("not an IP address: " + ip);
        }
        try {
            return InetAddress.getByName(ip).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + ip, e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(CertificateRequests.SIGNATURE_ALGORITHM).build(signer)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }
}
