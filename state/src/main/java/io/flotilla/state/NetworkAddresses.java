package io.flotilla.state;

import io.flotilla.model.Network;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PSortedSet;
import org.pcollections.TreePSet;

/**
 * One network and who holds which of its addresses, immutable (a part of {@link NetworkTable}).
 * A holder is a key: {@code n:<node id>} (the node's own source address on the network),
 * {@code s:<service id>} (a service's virtual address) or {@code t:<task id>}. Allocation is serial
 * from {@code cursor}, the address given last, wrapping at the end of the subnet, so an address
 * just freed is the last to be given again (neighbour caches on other nodes may still hold it).
 * The network, broadcast and gateway addresses are never given.
 *
 * @param holders      address → holder key
 * @param addresses    holder key → address (the inverse of {@code holders})
 * @param taskNodes    task id → the node it is assigned to, for tasks that hold an address and have a node
 * @param tasksPerNode node id → how many of those tasks it has
 * @param cursor       the address given last (the gateway before the first)
 * @param waiting      holders that asked for an address while none was free, served first when one is freed
 * @param removing     the network was removed while tasks still held addresses: it stays (its subnet and
 *                     VXLAN id taken, no new holders) until the last of them ends
 */
record NetworkAddresses(Network network, PMap<Long, String> holders, PMap<String, Long> addresses,
                        PMap<String, String> taskNodes, PMap<String, Integer> tasksPerNode, long cursor,
                        PSortedSet<String> waiting, boolean removing) {
    static final String NODE = "n:";
    static final String SERVICE = "s:";
    static final String TASK = "t:";

    static NetworkAddresses of(Network network) {
        return new NetworkAddresses(network, HashTreePMap.empty(), HashTreePMap.empty(), HashTreePMap.empty(),
                HashTreePMap.empty(), Ipv4.parse(network.gateway()), TreePSet.empty(), false);
    }

    Ipv4.Cidr subnet() {
        return Ipv4.parseCidr(network.subnet());
    }

    String addressOf(String holder) {
        Long address = addresses.get(holder);
        return address == null ? null : Ipv4.format(address);
    }

    /**
     * This network with an address for {@code holder}: the one it holds already, else the next free
     * one after the cursor; with none free, the holder waits ({@link #fillWaiting}).
     */
    NetworkAddresses allocate(String holder) {
        if (addresses.containsKey(holder)) {
            return this;
        }
        Ipv4.Cidr subnet = subnet();
        long gateway = Ipv4.parse(network.gateway());
        long hosts = subnet.size() - 2;
        long candidate = cursor;
        for (long tried = 0; tried < hosts && free() > 0; tried++) {
            candidate = candidate + 1 >= subnet.last() ? subnet.firstHost() : candidate + 1;
            if (candidate < subnet.firstHost()) {
                candidate = subnet.firstHost();
            }
            if (candidate != gateway && !holders.containsKey(candidate)) {
                return new NetworkAddresses(network, holders.plus(candidate, holder), addresses.plus(holder, candidate),
                        taskNodes, tasksPerNode, candidate, waiting.minus(holder), removing);
            }
        }
        return waiting.contains(holder) ? this : new NetworkAddresses(network, holders, addresses, taskNodes,
                tasksPerNode, cursor, waiting.plus(holder), removing);
    }

    /** This network without {@code holder}'s address (nor its wait, nor its node, for a task). */
    NetworkAddresses free(String holder) {
        Long address = addresses.get(holder);
        NetworkAddresses withoutNode = holder.startsWith(TASK) ? withTaskNode(holder.substring(TASK.length()), null) : this;
        if (address == null) {
            return withoutNode.waiting.contains(holder) ? withoutNode.withWaiting(withoutNode.waiting.minus(holder))
                    : withoutNode;
        }
        return new NetworkAddresses(network, withoutNode.holders.minus(address), withoutNode.addresses.minus(holder),
                withoutNode.taskNodes, withoutNode.tasksPerNode, cursor, withoutNode.waiting.minus(holder), removing);
    }

    /** Records that task {@code taskId} (a holder) is on {@code nodeId} (null: on none, or gone). */
    NetworkAddresses withTaskNode(String taskId, String nodeId) {
        String before = taskNodes.get(taskId);
        if (java.util.Objects.equals(before, nodeId)) {
            return this;
        }
        PMap<String, String> nodes = nodeId == null ? taskNodes.minus(taskId) : taskNodes.plus(taskId, nodeId);
        PMap<String, Integer> counts = tasksPerNode;
        if (before != null) {
            int left = counts.get(before) - 1;
            counts = left == 0 ? counts.minus(before) : counts.plus(before, left);
        }
        if (nodeId != null) {
            counts = counts.plus(nodeId, counts.getOrDefault(nodeId, 0) + 1);
        }
        return new NetworkAddresses(network, holders, addresses, nodes, counts, cursor, waiting, removing);
    }

    /** How many addresses are free: the subnet's hosts but the gateway, less those held. O(1), so a full subnet costs no scan. */
    long free() {
        return subnet().size() - 3 - holders.size();
    }

    /** Gives freed addresses to the holders that wait, nodes first, then services, then tasks. */
    NetworkAddresses fillWaiting() {
        if (free() == 0) {
            return this;
        }
        NetworkAddresses current = this;
        for (String holder : waiting) {
            NetworkAddresses next = current.allocate(holder);
            if (next.addresses.containsKey(holder)) {
                current = next;
            } else {
                break; // still full
            }
        }
        return current;
    }

    /** True while a task holds an address here. */
    boolean hasTasks() {
        for (String holder : addresses.keySet()) {
            if (holder.startsWith(TASK)) {
                return true;
            }
        }
        for (String holder : waiting) {
            if (holder.startsWith(TASK)) {
                return true;
            }
        }
        return false;
    }

    NetworkAddresses markRemoving(boolean value) {
        return new NetworkAddresses(network, holders, addresses, taskNodes, tasksPerNode, cursor, waiting, value);
    }

    private NetworkAddresses withWaiting(PSortedSet<String> newWaiting) {
        return new NetworkAddresses(network, holders, addresses, taskNodes, tasksPerNode, cursor, newWaiting, removing);
    }
}
