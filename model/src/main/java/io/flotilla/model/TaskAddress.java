package io.flotilla.model;

/**
 * A task's address on one of its networks, allocated by the managers in the Raft log when the task
 * is made: never two live tasks with one address on a network, stable while the task lives, free
 * again once it has ended.
 *
 * @param network the network's cluster-wide name
 * @param address the IPv4 address (no prefix: the network's subnet gives it)
 */
public record TaskAddress(String network, String address) {
    public TaskAddress {
        Checks.requireText(network, "network");
        Checks.requireText(address, "address");
    }
}
