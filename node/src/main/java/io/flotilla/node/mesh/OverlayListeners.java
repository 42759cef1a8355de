package io.flotilla.node.mesh;

import io.flotilla.mesh.MeshBackend;
import io.flotilla.mesh.MeshListener;
import io.flotilla.mesh.MeshRoute;
import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NetworkDirectory.EndpointEntry;
import io.flotilla.model.api.NetworkDirectory.NetworkEntry;
import io.flotilla.model.api.NetworkDirectory.ServiceEntry;
import io.flotilla.network.NetworkPlan;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The mesh's listeners for services' virtual addresses on overlay networks, a pure function of
 * the node's {@link NetworkDirectory}: per network the node is on, one transparent listener on
 * the network's gateway at {@link NetworkPlan#VIP_LISTENER_PORT}, to which the data plane sends
 * every TCP connection from the network's bridge to one of its VIPs, whatever its port (nat chain
 * {@code FLOTILLA-VIP}). Its routes are the network's services with a VIP, one per VIP; a
 * connection reaches one of the service's ready tasks on that network at the port it was sent to,
 * wherever the task runs, connected from the node's own address on the network
 * ({@link MeshBackend#sourceAddress}). So a service serves every port its tasks listen on, declared
 * in {@code ports:} or not, as Swarm's VIP does; the mesh's balancing, connect retries, draining
 * and ejection apply as on every other listener; no IPVS.
 *
 * <p>A network whose own address for this node is not allocated yet gets no listener: a
 * connection from the gateway would not come back. A VIP listed twice, or one that is no IPv4
 * address, keeps its first route (the plan leaves such an address out of the bridge anyway).
 */
public final class OverlayListeners {
    private OverlayListeners() {}

    public static List<MeshListener> of(NetworkDirectory directory) {
        List<MeshListener> listeners = new ArrayList<>();
        for (NetworkEntry network : directory.networks()) {
            if (network.nodeAddress() == null) {
                continue;
            }
            List<MeshRoute> routes = new ArrayList<>();
            Set<String> vips = new HashSet<>();
            for (ServiceEntry service : network.services()) {
                if (service.vip() == null || !service.vip().matches("\\d{1,3}(\\.\\d{1,3}){3}") || !vips.add(service.vip())) {
                    continue;
                }
                List<MeshBackend> backends = new ArrayList<>();
                for (EndpointEntry endpoint : network.endpoints()) {
                    if (endpoint.ready() && endpoint.service().equals(service.name())) {
                        backends.add(new MeshBackend(endpoint.taskId(), endpoint.address(), 0, network.nodeAddress()));
                    }
                }
                routes.add(new MeshRoute(service.name(), service.vip(), null, null, backends));
            }
            if (!routes.isEmpty()) {
                listeners.add(new MeshListener(network.gateway(), NetworkPlan.VIP_LISTENER_PORT,
                        MeshListener.Protocol.TRANSPARENT_TCP, null, false, routes));
            }
        }
        return listeners;
    }
}
