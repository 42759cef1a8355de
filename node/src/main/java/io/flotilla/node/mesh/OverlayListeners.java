package io.flotilla.node.mesh;

import io.flotilla.mesh.MeshBackend;
import io.flotilla.mesh.MeshListener;
import io.flotilla.mesh.MeshRoute;
import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NetworkDirectory.EndpointEntry;
import io.flotilla.model.api.NetworkDirectory.NetworkEntry;
import io.flotilla.model.api.NetworkDirectory.ServiceEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * The mesh's listeners for services' virtual addresses on overlay networks, a pure function of
 * the node's {@link NetworkDirectory}: for each network the node is on, each service with a VIP
 * there and each of its ports, a TCP listener on {@code vip:port} (the VIP is an address of the
 * node's bridge for that network, so the node's tasks reach it locally) whose backends are the
 * service's ready tasks on that network at the same port, wherever they run, connected from the
 * node's own address on the network ({@link MeshBackend#sourceAddress}). The mesh's balancing,
 * retries, draining and ejection apply as on every other listener; no IPVS.
 *
 * <p>A network whose own address for this node is not allocated yet gets no listener: a
 * connection from the gateway would not come back.
 */
public final class OverlayListeners {
    private OverlayListeners() {}

    public static List<MeshListener> of(NetworkDirectory directory) {
        List<MeshListener> listeners = new ArrayList<>();
        for (NetworkEntry network : directory.networks()) {
            if (network.nodeAddress() == null) {
                continue;
            }
            for (ServiceEntry service : network.services()) {
                if (service.vip() == null) {
                    continue;
                }
                for (int port : service.ports()) {
                    List<MeshBackend> backends = new ArrayList<>();
                    for (EndpointEntry endpoint : network.endpoints()) {
                        if (endpoint.ready() && endpoint.service().equals(service.name())) {
                            backends.add(new MeshBackend(endpoint.taskId(), endpoint.address(), port, network.nodeAddress()));
                        }
                    }
                    listeners.add(new MeshListener(service.vip(), port, MeshListener.Protocol.TCP, null, false,
                            List.of(new MeshRoute(service.name(), null, null, null, backends))));
                }
            }
        }
        return listeners;
    }
}
