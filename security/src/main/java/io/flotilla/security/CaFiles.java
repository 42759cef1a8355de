package io.flotilla.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link CaBundle} in a node's {@code ca.crt} (the trusted roots) and {@code ca-chain.crt}
 * (what follows a certificate of the newest root during a rotation), followed as the files
 * change: every handshake asks {@link #current()}, which re-reads the files when their
 * modification times moved, so a node trusts a new root from its next handshake on, with no
 * restart and no connection dropped. A file caught half-written (unparseable) leaves the previous
 * bundle in use.
 */
public final class CaFiles {
    /**
     * Made at the first message, not with the class: the CLI loads this class for every command,
     * and the logging framework's start (Logback reading its XML) cost a client command ~200 ms.
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(CaFiles.class);
    }

    /** A bundle and the PKIX trust manager that anchors at its roots. */
    public record Loaded(CaBundle bundle, X509ExtendedTrustManager trust, FileTime rootsTime, FileTime chainTime) {}

    private final Path rootsFile;
    private final Path chainFile;
    private volatile Loaded loaded;

    public CaFiles(Path rootsFile, Path chainFile) throws IOException {
        this.rootsFile = rootsFile;
        this.chainFile = chainFile;
        this.loaded = load();
    }

    public CaBundle bundle() {
        return current().bundle();
    }

    public X509ExtendedTrustManager trust() {
        return current().trust();
    }

    /** The bundle now, re-read if the files changed since the last call. */
    public Loaded current() {
        Loaded now = loaded;
        try {
            if (Files.getLastModifiedTime(rootsFile).equals(now.rootsTime())
                    && java.util.Objects.equals(timeOf(chainFile), now.chainTime())) {
                return now;
            }
            synchronized (this) {
                Loaded fresh = load();
                if (!fresh.bundle().equals(now.bundle())) {
                    Log.LOG.info("TLS: trusting {} cluster root(s) now: {}", fresh.bundle().roots().size(),
                            fresh.bundle().roots().stream().map(r -> r.getSubjectX500Principal().getName()).toList());
                }
                loaded = fresh;
                return fresh;
            }
        } catch (IOException | RuntimeException e) {
            Log.LOG.debug("TLS: keeping the current CA bundle ({} unreadable: {})", rootsFile, e.toString());
            return now;
        }
    }

    private Loaded load() throws IOException {
        FileTime rootsTime = Files.getLastModifiedTime(rootsFile);
        FileTime chainTime = timeOf(chainFile);
        List<X509Certificate> roots = Pem.readCertificates(rootsFile);
        List<X509Certificate> chain = chainTime == null ? List.of() : readChain();
        CaBundle bundle = new CaBundle(roots, chain);
        return new Loaded(bundle, TlsContexts.trusting(bundle.roots()), rootsTime, chainTime);
    }

    private List<X509Certificate> readChain() throws IOException {
        try {
            return Pem.readCertificates(chainFile);
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    private static FileTime timeOf(Path file) throws IOException {
        try {
            return Files.getLastModifiedTime(file);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
