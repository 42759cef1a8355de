package io.flotilla.agent.runner;

import io.flotilla.model.api.Assignment;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Picks host ports for process tasks: the kernel's choice for port 0 on the node address, never
 * one held by another task of this agent (a task may not have bound its port yet).
 */
public final class PortAllocator {
    private static final int ATTEMPTS = 50;

    private final InetAddress bindAddress;
    private final Set<Integer> held = new HashSet<>();

    public PortAllocator(String address) {
        this.bindAddress = resolve(address);
    }

    /** One free port per requested name, in the order given. */
    public synchronized Map<String, Integer> allocate(List<String> names) throws IOException {
        Map<String, Integer> ports = new LinkedHashMap<>();
        try {
            for (String name : names) {
                int port = freePort();
                held.add(port);
                ports.put(name, port);
            }
        } catch (IOException e) {
            held.removeAll(ports.values());
            throw e;
        }
        return ports;
    }

    /**
     * One port per request, in the order given: the fixed host port of a {@code mode: host} port
     * (the scheduler keeps two such tasks off one node), else a free one.
     */
    public synchronized Map<String, Integer> allocateFor(List<Assignment.Port> requests) throws IOException {
        Map<String, Integer> ports = new LinkedHashMap<>();
        try {
            for (Assignment.Port request : requests) {
                Integer fixed = request.hostPort();
                int port = fixed != null ? fixed : freePort();
                held.add(port);
                ports.put(request.name(), port);
            }
        } catch (IOException e) {
            held.removeAll(ports.values());
            throw e;
        }
        return ports;
    }

    /** Marks ports of an adopted task as taken. */
    public synchronized void hold(Collection<Integer> ports) {
        held.addAll(ports);
    }

    public synchronized void release(Collection<Integer> ports) {
        held.removeAll(ports);
    }

    private int freePort() throws IOException {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress(bindAddress, 0));
                port = socket.getLocalPort();
            }
            if (!held.contains(port)) {
                return port;
            }
        }
        throw new IOException("no free port found on " + bindAddress.getHostAddress());
    }

    private static InetAddress resolve(String address) {
        if (address == null || address.isBlank()) {
            return new InetSocketAddress(0).getAddress();
        }
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            return new InetSocketAddress(0).getAddress();
        }
    }
}
