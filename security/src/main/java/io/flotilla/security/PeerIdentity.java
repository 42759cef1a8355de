package io.flotilla.security;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * What a verified certificate says about its holder: common name (node id or {@code admin}) and
 * role (organizational unit). Only meaningful for a certificate the cluster CA signed, which is
 * all the TLS layer lets through.
 */
public record PeerIdentity(String commonName, String role) {
    public static PeerIdentity of(X509Certificate certificate) {
        X500Name name = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        return new PeerIdentity(first(name, BCStyle.CN), first(name, BCStyle.OU));
    }

    public boolean isManager() {
        return CertificateSubject.MANAGER.equals(role);
    }

    public boolean isAdmin() {
        return CertificateSubject.ADMIN.equals(role);
    }

    /** The subject alternative names of {@code certificate}, as a {@link CertificateSubject} would list them. */
    public static CertificateSubject subjectOf(X509Certificate certificate) {
        PeerIdentity identity = of(certificate);
        List<String> ips = new ArrayList<>();
        List<String> dns = new ArrayList<>();
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> entry : names) {
                    int type = (Integer) entry.get(0);
                    if (type == 7) {
                        ips.add(String.valueOf(entry.get(1)));
                    } else if (type == 2) {
                        dns.add(String.valueOf(entry.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("unreadable subject alternative names: " + e.getMessage(), e);
        }
        return new CertificateSubject(identity.commonName(), identity.role(), ips, dns);
    }

    /**
     * The attribute's value as the certificate holds it, never in its escaped RFC 4514 form: a CN of
     * {@code evil+1} must read {@code evil+1}, not {@code evil\+1} (another node's id). A value that
     * is not a string, or a name with several values of the type, gives null (no identity).
     */
    private static String first(X500Name name, org.bouncycastle.asn1.ASN1ObjectIdentifier type) {
        RDN[] rdns = name.getRDNs(type);
        if (rdns.length != 1 || rdns[0].isMultiValued()) {
            return null;
        }
        return rdns[0].getFirst().getValue() instanceof ASN1String text ? text.getString() : null;
    }
}
