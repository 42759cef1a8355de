package io.flotilla.cli;

import io.flotilla.client.ApiClient;
import picocli.CommandLine.Option;

/** How a client command finds the cluster: {@code --host}, else FLOTILLA_HOST, else the local default. */
public final class ClientOptions {
    @Option(names = {"-H", "--host"}, paramLabel = "HOST[:PORT]",
            defaultValue = "${env:FLOTILLA_HOST:-127.0.0.1:" + ApiClient.DEFAULT_PORT + "}",
            description = "Flotilla API to talk to (default: $FLOTILLA_HOST or 127.0.0.1:" + ApiClient.DEFAULT_PORT + ").")
    String host;

    @Option(names = "--tls-dir", paramLabel = "DIR",
            description = "Directory with the TLS credential (ca.crt, admin.crt, admin.key): default $FLOTILLA_TLS_DIR,"
                    + " else $FLOTILLA_DATA/tls, else .flotilla/dev/tls.")
    java.nio.file.Path tlsDir;

    public ApiClient client() {
        if (tlsDir != null) {
            io.flotilla.client.ClientTls.useDirectory(tlsDir);
        }
        return new ApiClient(host);
    }
}
