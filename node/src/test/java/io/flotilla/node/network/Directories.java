package io.flotilla.node.network;

import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NetworkDirectory.EndpointEntry;
import io.flotilla.model.api.NetworkDirectory.NetworkEntry;
import io.flotilla.model.api.NetworkDirectory.PeerEntry;
import io.flotilla.model.api.NetworkDirectory.ServiceEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * Hand-made directories of a small cluster, as the managers would send them to each node: stack
 * {@code shop} on network {@code shop_front} (web behind a VIP on port 8080, api in dnsrr, a
 * client), and stack {@code other} on {@code other_default} (db). Node n1 is underlay
 * 198.18.77.1, n2 198.18.77.2 (the test bed's hosts); overlay addresses are in 198.19.0.0/16.
 */
final class Directories {
    static final String FRONT_GATEWAY = "198.19.10.1";
    static final String WEB_VIP = "198.19.10.2";
    static final String CLI_ON_N1 = "198.19.10.11";
    static final String WEB_ON_N2 = "198.19.10.12";
    static final String API_ON_N2 = "198.19.10.13";
    static final String API_MOVED_TO_N1 = "198.19.10.14";
    static final String OTHER_GATEWAY = "198.19.11.1";
    static final String DB_ON_N1 = "198.19.11.11";
    static final int WEB_PORT = 8080;

    private Directories() {}

    static String underlay(int node) {
        return "198.18.77." + node;
    }

    /** Node {@code node}'s own address on shop_front. */
    static String frontAddress(int node) {
        return "198.19.10.10" + node;
    }

    static EndpointEntry endpoint(String address, String task, String service, int node) {
        return new EndpointEntry(address, task, service, 1, "n" + node, underlay(node), true);
    }

    /** shop_front as node {@code node} sees it; {@code apiMoved}: api's task ended on n2 and its new one runs on n1. */
    static NetworkEntry front(int node, boolean apiMoved) {
        List<EndpointEntry> endpoints = new ArrayList<>(List.of(
                endpoint(CLI_ON_N1, "t-cli", "shop_cli", 1), endpoint(WEB_ON_N2, "t-web", "shop_web", 2)));
        endpoints.add(apiMoved ? endpoint(API_MOVED_TO_N1, "t-api2", "shop_api", 1) : endpoint(API_ON_N2, "t-api1", "shop_api", 2));
        int peer = node == 1 ? 2 : 1;
        return new NetworkEntry("shop_front", "shop", 4200, "198.19.10.0/24", FRONT_GATEWAY, false, frontAddress(node),
                List.of(new ServiceEntry("shop_web", "web", "shop", List.of("www"), WEB_VIP, false, List.of(WEB_PORT)),
                        new ServiceEntry("shop_api", "api", "shop", List.of(), null, false, List.of()),
                        new ServiceEntry("shop_cli", "cli", "shop", List.of(), null, false, List.of())),
                endpoints, List.of(new PeerEntry("n" + peer, underlay(peer), frontAddress(peer))));
    }

    static NetworkEntry other() {
        return new NetworkEntry("other_default", "other", 4201, "198.19.11.0/24", OTHER_GATEWAY, true, "198.19.11.101",
                List.of(new ServiceEntry("other_db", "db", "other", List.of(), "198.19.11.2", false, List.of(5432))),
                List.of(endpoint(DB_ON_N1, "t-db", "other_db", 1)), List.of());
    }

    /** Node {@code node}'s directory: n1 runs the client, api (once moved) and db; n2 web (and api before the move). */
    static NetworkDirectory of(int node, boolean apiMoved) {
        return new NetworkDirectory(node == 1 ? List.of(front(1, apiMoved), other()) : List.of(front(2, apiMoved)));
    }
}
