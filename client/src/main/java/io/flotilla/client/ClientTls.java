package io.flotilla.client;

import io.flotilla.security.NodeTls;
import io.flotilla.security.TlsDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * The CLI's TLS credential: a directory holding {@code ca.crt} and {@code admin.crt} +
 * {@code admin.key} (the admin credential {@code flotilla init} and {@code dev} write), or a
 * manager's {@code node.crt} + {@code node.key}. Looked for, in order: {@code --tls-dir DIR}, the
 * directory a node in this process uses ({@code dev}, {@code demo}, benchmarks), the system
 * property {@code flotilla.tls.dir}, {@code $FLOTILLA_TLS_DIR}, {@code $FLOTILLA_DATA/tls}, and
 * {@code .flotilla/dev/tls} (where {@code flotilla dev} keeps it by default).
 */
public final class ClientTls {
    public static final String TLS_DIR_ENV = "FLOTILLA_TLS_DIR";
    public static final String TLS_DIR_PROPERTY = "flotilla.tls.dir";
    static final Path DEFAULT = Path.of(".flotilla", "dev", "tls");

    private static volatile Path explicit;
    private static volatile Path inProcess;
    private static volatile Path loadedFrom;
    /** Whether {@link #loaded} holds the admin credential: one that appears later replaces a node's (a node writes its own first). */
    private static volatile boolean loadedAdmin;
    private static volatile SSLContext loaded;

    /**
     * One HTTP client per SSL context, shared by every API client of the process: a new client
     * per call would pay a full TLS handshake each time (and polls make many calls).
     */
    private static final java.util.Map<SSLContext, java.net.http.HttpClient> CLIENTS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private ClientTls() {}

    /** The shared HTTP client for {@code tls}; connect timeout 5 s (it covers the TLS handshake). */
    static java.net.http.HttpClient http(SSLContext tls) {
        return CLIENTS.computeIfAbsent(tls, context -> java.net.http.HttpClient.newBuilder()
                .connectTimeout(java.time.Duration.ofSeconds(5)).sslContext(context).build());
    }

    private static final java.util.Map<SSLContext, java.net.http.HttpClient> HTTP1_CLIENTS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * An HTTP/1.1 client for {@code tls}, for request bodies of megabytes (image archives): over h2,
     * an 8 MiB body took the API's stream flow control longer than the 15 s request deadline on this
     * machine, where HTTP/1.1 carries it in well under a second.
     */
    static java.net.http.HttpClient http1(SSLContext tls) {
        return HTTP1_CLIENTS.computeIfAbsent(tls, context -> java.net.http.HttpClient.newBuilder()
                .connectTimeout(java.time.Duration.ofSeconds(5)).sslContext(context)
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build());
    }

    /** {@code --tls-dir}: wins over everything else. */
    public static void useDirectory(Path dir) {
        explicit = dir.toAbsolutePath().normalize();
    }

    /** A node started in this process offers its directory, unless one was given explicitly. */
    public static void offerDirectory(Path dir) {
        inProcess = dir.toAbsolutePath().normalize();
    }

    /** The SSL context of the credential found; an {@link ApiException} saying where it looked when there is none. */
    public static SSLContext context() {
        List<String> looked = new ArrayList<>();
        Path dir = find(looked);
        if (dir == null) {
            throw new ApiException(0, "no_credentials", "no TLS credential for the Flotilla API found; looked in: "
                    + String.join(", ", looked) + ". Pass --tls-dir DIR or set " + TLS_DIR_ENV + "=DIR, DIR being the"
                    + " tls/ directory of the first manager's data dir (it holds ca.crt, admin.crt and admin.key),"
                    + " or set FLOTILLA_DATA to that data dir.");
        }
        synchronized (ClientTls.class) {
            TlsDirectory tls = new TlsDirectory(dir);
            boolean admin = tls.hasAdminCredential();
            if (!dir.equals(loadedFrom) || admin != loadedAdmin) {
                try {
                    NodeTls credential = admin ? NodeTls.admin(tls) : NodeTls.node(tls);
                    // any manager of this cluster, at any address: a worker relays API calls to one
                    loaded = io.flotilla.security.TlsContexts.context(credential.keyManager(),
                            new io.flotilla.security.AnyManagerTrustManager(credential.trustManager()));
                } catch (IOException | RuntimeException e) {
                    throw new ApiException(0, "no_credentials", "cannot use the TLS credential in " + dir + ": " + e.getMessage());
                }
                loadedFrom = dir;
                loadedAdmin = admin;
            }
            return loaded;
        }
    }

    private static Path find(List<String> looked) {
        List<Candidate> candidates = new ArrayList<>();
        candidates.add(new Candidate("--tls-dir", explicit));
        candidates.add(new Candidate("this process's node", inProcess));
        String property = System.getProperty(TLS_DIR_PROPERTY);
        candidates.add(new Candidate("-D" + TLS_DIR_PROPERTY, property == null ? null : Path.of(property)));
        String env = System.getenv(TLS_DIR_ENV);
        candidates.add(new Candidate("$" + TLS_DIR_ENV, env == null || env.isBlank() ? null : Path.of(env)));
        String data = System.getenv("FLOTILLA_DATA");
        candidates.add(new Candidate("$FLOTILLA_DATA/tls", data == null || data.isBlank() ? null : Path.of(data, "tls")));
        candidates.add(new Candidate("the default", DEFAULT));
        for (Candidate candidate : candidates) {
            if (candidate.dir() == null) {
                looked.add(candidate.source() + " (not set)");
                continue;
            }
            Path dir = candidate.dir().toAbsolutePath().normalize();
            TlsDirectory tls = new TlsDirectory(dir);
            if (tls.hasAdminCredential() || tls.hasNodeCredential()) {
                return dir;
            }
            looked.add(candidate.source() + " " + dir + (Files.isDirectory(dir) ? " (no ca.crt + admin.crt/admin.key)" : " (absent)"));
            if (candidate.source().startsWith("--")) {
                return null; // an explicit directory that does not hold one is an error, not a fallback
            }
        }
        return null;
    }

    private record Candidate(String source, Path dir) {}

    /** A clearer message for a failed TLS handshake than the JDK's. */
    static String describe(IOException e, String hostPort) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof javax.net.ssl.SSLException) {
                return "TLS handshake with " + hostPort + " failed (" + cause.getMessage() + "): is the credential"
                        + " from this cluster, and is " + hostPort + " an address in the manager's certificate?";
            }
        }
        return null;
    }
}
