package io.flotilla.node.mesh;

import io.flotilla.discovery.EndpointRegistry;
import io.flotilla.discovery.SharedRegistryMirror;
import io.flotilla.manager.Manager;
import io.flotilla.model.Endpoint;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.api.MeshServices;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/** What a node's mesh table is built from ({@link NodeMesh}): a manager's own state, or the leader's as streamed to the node. */
final class MeshSources {
    private static final MeshServices NO_SERVICES = new MeshServices(-1, List.of());

    private MeshSources() {
    }

    /** What the table is built from, and a number that changes when it does. */
    interface Source {
        long version();

        Collection<ServiceSpec> services();

        Collection<Endpoint> endpoints(String service);
    }

    /** A manager: its own registry, whose state holds the specs. */
    record Own(Manager manager, EndpointRegistry registry) implements Source {
        Own(Manager manager) {
            this(manager, manager.registry());
        }

        /**
         * It knows a leader and has applied every entry it knows committed. A follower's commit index
         * stops at its log's last entry while the leader's entries are still arriving, so this can hold
         * long before the manager has caught up (a restarted manager whose appends are refused); what it
         * keeps out is the wait of a manager that has not heard from a leader yet.
         */
        boolean caughtUp() {
            var store = manager.store();
            return store.leaderId() != null && store.appliedIndex() >= store.commitIndex();
        }

        /** It leads: no state is fresher than its own. */
        boolean leads() {
            return manager.store().isLeader();
        }

        @Override
        public long version() {
            return registry.index();
        }

        @Override
        public Collection<ServiceSpec> services() {
            return registry.state().services().stream().map(Service::spec).toList();
        }

        @Override
        public Collection<Endpoint> endpoints(String service) {
            return registry.endpointsUnordered(service);
        }
    }

    /**
     * The leader's view, as a worker has it: endpoints from a mirror of the managers' registry (the
     * all-services watch, on the manager the node's session is on: the leader), the services from
     * the node's session ({@link MeshServices}, which the agent's long poll brings as soon as a
     * service's spec changes): no request of its own for them.
     */
    static final class Streamed implements Source, AutoCloseable {
        private final SharedRegistryMirror.Lease stream;
        private final Supplier<MeshServices> services;

        Streamed(Supplier<MeshServices> services, SharedRegistryMirror.Lease stream) {
            this.services = services;
            this.stream = stream;
        }

        private MeshServices current() {
            MeshServices now = services.get();
            return now == null ? NO_SERVICES : now;
        }

        /**
         * The leader's index as the stream last reported it, once the node's session has brought the
         * services too (before, a table built from this view would have none); -1 until then.
         */
        long index() {
            return services.get() == null ? -1 : stream.mirror().resumeIndex();
        }

        @Override
        public long version() {
            return current().index() * 31 + stream.mirror().resumeIndex();
        }

        @Override
        public Collection<ServiceSpec> services() {
            return current().services();
        }

        @Override
        public Collection<Endpoint> endpoints(String service) {
            return stream.mirror().endpointsUnordered(service);
        }

        @Override
        public void close() {
            stream.close();
        }
    }
}
