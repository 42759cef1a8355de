package io.flotilla.mesh;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Request headers on the way to a backend: the client's address and what it asked for, and
 * hop-by-hop headers (RFC 9110 section 7.6.1) dropped, including those the Connection header names.
 *
 * <p>Every mesh listener is a published port, the edge of the cluster: whoever connects is the
 * client, and the mesh knows of no proxy in front of it to trust. So the client's own
 * X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, X-Real-IP and Forwarded are replaced, never
 * appended to: a client sending {@code X-Forwarded-For: 6.6.6.6} would otherwise be 6.6.6.6 to
 * every backend that takes the first address (security issue 17).
 */
final class ForwardedHeaders {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    private static final AsciiString[] HOP_BY_HOP = {
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER,
            HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE, AsciiString.cached("proxy-connection"),
            AsciiString.cached("http2-settings")};

    private ForwardedHeaders() {}

    static void removeHopByHop(HttpHeaders headers) {
        String connection = headers.get(HttpHeaderNames.CONNECTION);
        if (connection != null) {
            for (String name : connection.split(",")) {
                String trimmed = name.strip();
                if (!trimmed.isEmpty()) {
                    headers.remove(trimmed);
                }
            }
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
    }

    /** How a client address appears in a Forwarded element: IPv6 quoted in brackets (RFC 7239 section 6). */
    static String forwardedNode(InetAddress client) {
        String ip = client.getHostAddress();
        return client instanceof Inet6Address ? "\"[" + ip + "]\"" : ip;
    }

    /**
     * Sets the client's address, the scheme it used and the host it asked for, replacing whatever
     * the client sent in their place. The caller passes the address already formatted ({@code ip},
     * and {@code node} from {@link #forwardedNode}), once per connection.
     */
    static void setForwarded(HttpHeaders headers, String ip, String node, String proto) {
        headers.set(X_FORWARDED_FOR, ip);
        headers.set(X_REAL_IP, ip);
        headers.set(X_FORWARDED_PROTO, proto);
        StringBuilder element = new StringBuilder(48).append("for=").append(node).append(";proto=").append(proto);
        String host = headers.get(HttpHeaderNames.HOST);
        if (host != null) {
            headers.set(X_FORWARDED_HOST, host);
        } else {
            headers.remove(X_FORWARDED_HOST);
        }
        if (host != null && isToken(host)) {
            element.append(";host=").append(host);
        } else if (host != null) {
            element.append(";host=\"").append(host.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        headers.set(FORWARDED, element);
    }

    private static boolean isToken(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_' || c == '~')) {
                return false;
            }
        }
        return !value.isEmpty();
    }
}
