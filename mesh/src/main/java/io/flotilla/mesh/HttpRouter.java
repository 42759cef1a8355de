package io.flotilla.mesh;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Chooses the route of an HTTP request by Host and path. Host tiers, tried in order: exact
 * (case-insensitive, port stripped), wildcard ({@code *.example.com} matches one or more labels
 * before {@code example.com}, the longest suffix first), any host (route host null). Within the
 * first tier that has a matching route, the longest path prefix wins; a prefix matches at a
 * segment boundary ("/api" matches "/api" and "/api/x", not "/apix"), except "/" and prefixes
 * ending in "/", which match anything below them.
 */
final class HttpRouter {
    private final List<RouteState> exact = new ArrayList<>();
    private final List<RouteState> wildcard = new ArrayList<>();
    private final List<RouteState> anyHost = new ArrayList<>();

    HttpRouter(List<RouteState> routes) {
        for (RouteState route : routes) {
            String host = route.route.host();
            if (host == null) {
                anyHost.add(route);
            } else if (host.startsWith("*.")) {
                wildcard.add(route);
            } else {
                exact.add(route);
            }
        }
        Comparator<RouteState> longestPrefix = Comparator.comparingInt(r -> -r.route.pathPrefix().length());
        exact.sort(longestPrefix);
        wildcard.sort(Comparator.<RouteState>comparingInt(r -> -r.route.host().length()).thenComparing(longestPrefix));
        anyHost.sort(longestPrefix);
    }

    /** @return the route, or null (404) */
    RouteState match(String hostHeader, String path) {
        String host = normalizeHost(hostHeader);
        if (host != null) {
            for (RouteState route : exact) {
                if (route.route.host().equals(host) && prefixMatches(route.route.pathPrefix(), path)) {
                    return route;
                }
            }
            for (RouteState route : wildcard) {
                String suffix = route.route.host().substring(1); // ".example.com"
                if (host.endsWith(suffix) && host.length() > suffix.length() && prefixMatches(route.route.pathPrefix(), path)) {
                    return route;
                }
            }
        }
        for (RouteState route : anyHost) {
            if (prefixMatches(route.route.pathPrefix(), path)) {
                return route;
            }
        }
        return null;
    }

    static String normalizeHost(String hostHeader) {
        if (hostHeader == null || hostHeader.isEmpty()) {
            return null;
        }
        String host = hostHeader;
        if (host.startsWith("[")) { // IPv6 literal, maybe with a port
            int end = host.indexOf(']');
            host = end < 0 ? host : host.substring(0, end + 1);
        } else {
            int colon = host.indexOf(':');
            if (colon >= 0) {
                host = host.substring(0, colon);
            }
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        return host.toLowerCase(Locale.ROOT);
    }

    static boolean prefixMatches(String prefix, String path) {
        if (!path.startsWith(prefix)) {
            return false;
        }
        return prefix.endsWith("/") || path.length() == prefix.length() || path.charAt(prefix.length()) == '/';
    }

    /** The path of a request target without query or fragment ("/a?b" is "/a"); absolute-form URIs lose scheme and authority. */
    static String pathOf(String uri) {
        String path = uri;
        if (!path.startsWith("/")) {
            int scheme = path.indexOf("://");
            if (scheme >= 0) {
                int slash = path.indexOf('/', scheme + 3);
                path = slash < 0 ? "/" : path.substring(slash);
            } else {
                return path; // "*" (OPTIONS) or garbage: matches only nothing but "/"-less prefixes
            }
        }
        int end = path.length();
        int query = path.indexOf('?');
        if (query >= 0) {
            end = query;
        }
        int fragment = path.indexOf('#');
        if (fragment >= 0 && fragment < end) {
            end = fragment;
        }
        return end == path.length() ? path : path.substring(0, end);
    }
}
