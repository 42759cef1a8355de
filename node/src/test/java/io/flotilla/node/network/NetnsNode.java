package io.flotilla.node.network;

import io.flotilla.discovery.RegistryMirror;
import io.flotilla.discovery.RegistryMirrorStream;
import io.flotilla.discovery.SharedRegistryMirror;
import io.flotilla.model.Json;
import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.network.Commands;
import io.flotilla.node.mesh.NodeMesh;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A node's network side as its own process inside one host of the test bed (started with
 * {@code nsenter --net=/var/run/netns/flhI java ...} by {@link NodeNetworksKernelTest}): the
 * {@link NodeNetworks} a node runs, with the kernel's tools of the process's own namespace
 * ({@link Commands#host()}, as on a real node) and DNS on each gateway's port 53, and the node's
 * {@link NodeMesh} fed by it, as {@code LocalNode} wires them. A JVM cannot bind a socket in
 * another network namespace, hence a process per host.
 *
 * <p>Protocol on stdin, one line each: {@code apply <NetworkDirectory as JSON>} (answered
 * {@code @applied <ms>} once a pass made it the applied directory, with the milliseconds from the
 * line to then), {@code close} (answered {@code @closed} after the teardown). Arguments: node id,
 * underlay address.
 */
public final class NetnsNode {
    private NetnsNode() {}

    public static void main(String[] args) throws Exception {
        String nodeId = args[0];
        String underlay = args[1];
        NodeNetworks networks = NodeNetworks.start(new NodeNetworks.Options(nodeId, underlay, "flotilla", 53, List.of()),
                Commands.host());
        SharedRegistryMirror registry = new SharedRegistryMirror(() -> new RegistryMirrorStream(new RegistryMirror(), List::of));
        NodeMesh mesh = NodeMesh.start(underlay, () -> null, () -> null, registry::acquire, networks::applied,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), false);
        System.out.println("@ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.startsWith("apply ")) {
                long started = System.nanoTime();
                NetworkDirectory directory = Json.MAPPER.readValue(line.substring("apply ".length()), NetworkDirectory.class);
                networks.apply(directory);
                while (!networks.applied().equals(directory)) {
                    Thread.sleep(0, 200_000);
                }
                System.out.println("@applied " + TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started) / 1000.0);
            } else if (line.equals("close")) {
                break;
            }
        }
        mesh.close();
        networks.remove();
        System.out.println("@closed");
        System.exit(0);
    }
}
