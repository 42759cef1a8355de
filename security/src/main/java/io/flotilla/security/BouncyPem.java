package io.flotilla.security;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/** {@link Pem}'s part that needs BouncyCastle: writing PEM, CSRs, and keys in forms other than PKCS#8 EC. */
final class BouncyPem {
    private BouncyPem() {}

    static String encode(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            if (object instanceof PrivateKey key) {
                writer.writeObject(new JcaPKCS8Generator(key, null));
            } else {
                writer.writeObject(object);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    static PrivateKey privateKey(String pem) {
        Object parsed = parse(pem);
        try {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            return switch (parsed) {
                case PrivateKeyInfo info -> converter.getPrivateKey(info);
                case PEMKeyPair pair -> converter.getKeyPair(pair).getPrivate();
                default -> throw new IllegalArgumentException("not a PEM private key");
            };
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable private key: " + e.getMessage(), e);
        }
    }

    static PKCS10CertificationRequest csr(String pem) {
        if (parse(pem) instanceof PKCS10CertificationRequest request) {
            return request;
        }
        throw new IllegalArgumentException("not a PEM certificate signing request (PKCS#10)");
    }

    private static Object parse(String pem) {
        if (pem == null || pem.isBlank()) {
            throw new IllegalArgumentException("empty PEM text");
        }
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object = parser.readObject();
            if (object == null) {
                throw new IllegalArgumentException("no PEM object found");
            }
            return object;
        } catch (IOException | org.bouncycastle.util.encoders.DecoderException e) {
            throw new IllegalArgumentException("malformed PEM: " + e.getMessage(), e);
        }
    }
}
