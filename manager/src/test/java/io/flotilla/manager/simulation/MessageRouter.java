package io.flotilla.manager.simulation;

import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Who can talk to whom: every endpoint (manager or agent) is in a partition group, and messages
 * pass only within a group; each message is also dropped with {@code dropRate} (a dropped message
 * is a delayed one: everything is retried on the next step).
 */
final class MessageRouter {
    private final Map<String, Integer> groups = new TreeMap<>();
    private final RandomGenerator random;
    double dropRate;

    MessageRouter(RandomGenerator random) {
        this.random = random;
    }

    void isolate(String endpoint, int group) {
        groups.put(endpoint, group);
    }

    void heal() {
        groups.clear();
        dropRate = 0;
    }

    boolean connected(String from, String to) {
        return groups.getOrDefault(from, 0).equals(groups.getOrDefault(to, 0));
    }

    /** True when a message from {@code from} reaches {@code to} this time. */
    boolean deliver(String from, String to) {
        return connected(from, to) && (dropRate == 0 || random.nextDouble() >= dropRate);
    }
}
