package io.flotilla.node.network;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.model.Json;
import io.flotilla.network.Commands;
import java.io.IOException;

/**
 * The MTU of the interface that holds the node's underlay address (its advertise address): the
 * overlay's is 50 less. Read from the kernel on each pass ({@code ip -j addr show}), so a changed
 * MTU is followed; 1500 when the address is on no interface (the data plane then still works
 * within that size) or the answer cannot be read.
 */
final class UnderlayMtu {
    static final int DEFAULT = 1500;

    private UnderlayMtu() {}

    static int of(Commands commands, String underlayAddress) {
        return parse(commands.run("ip", "-j", "addr", "show"), underlayAddress);
    }

    static int parse(String json, String underlayAddress) {
        try {
            for (JsonNode link : Json.MAPPER.readTree(json)) {
                for (JsonNode address : link.path("addr_info")) {
                    if (underlayAddress.equals(address.path("local").asText())) {
                        int mtu = link.path("mtu").asInt(DEFAULT);
                        return mtu < 576 + 50 ? DEFAULT : mtu;
                    }
                }
            }
        } catch (IOException e) {
            return DEFAULT;
        }
        return DEFAULT;
    }
}
