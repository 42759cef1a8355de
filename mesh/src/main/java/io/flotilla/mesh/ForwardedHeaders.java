package io.flotilla.mesh;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Request headers on the way to a backend: the client's address is kept (X-Forwarded-For and
 * Forwarded are appended to, as each proxy on the path adds itself; X-Forwarded-Proto is what this
 * hop saw), and hop-by-hop headers (RFC 9110 section 7.6.1) are dropped, including those the
 * Connection header names.
 */
final class ForwardedHeaders {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
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
     * Adds the client's address and the scheme it used. The caller passes the address already
     * formatted ({@code ip}, and {@code node} from {@link #forwardedNode}), once per connection.
     */
    static void addForwarded(HttpHeaders headers, String ip, String node, String proto) {
        String existing = headers.get(X_FORWARDED_FOR);
        headers.set(X_FORWARDED_FOR, existing == null ? ip : existing + ", " + ip);
        headers.set(X_FORWARDED_PROTO, proto);
        StringBuilder element = new StringBuilder(48).append("for=").append(node).append(";proto=").append(proto);
        String host = headers.get(HttpHeaderNames.HOST);
        if (host != null && isToken(host)) {
            element.append(";host=").append(host);
        } else if (host != null) {
            element.append(";host=\"").append(host.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        String forwarded = headers.get(FORWARDED);
        headers.set(FORWARDED, forwarded == null ? element : forwarded + ", " + element);
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
