package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.discovery.EndpointSource;
import io.flotilla.model.Endpoint;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A manager's DNS answers from its own registry, and from the leader's as a worker does while it lags. */
class ManagerDnsSourceTest {
    private final AtomicBoolean behind = new AtomicBoolean();
    private final Fixed own = new Fixed("10.0.0.1", 5);
    private final Fixed leader = new Fixed("10.0.0.2", 5);
    private final ManagerDnsSource source = new ManagerDnsSource(own, leader, behind::get);

    @Test
    void answersFromTheLeadersRegistryOnlyWhileBehind() {
        assertThat(addresses()).containsExactly("10.0.0.1");
        behind.set(true);
        assertThat(addresses()).containsExactly("10.0.0.2");
        assertThat(source.knows("gone")).isFalse(); // the manager's stale state knows it; the leader's does not
        behind.set(false);
        assertThat(addresses()).containsExactly("10.0.0.1");
        assertThat(source.knows("gone")).isTrue();
    }

    @Test
    void aSwitchIsANewGenerationEvenWhenBothSourcesHaveTheSameNumber() {
        long fromOwn = source.generation();
        assertThat(source.generation()).isEqualTo(fromOwn); // unchanged: cached answers stay good
        behind.set(true);
        long fromLeader = source.generation();
        assertThat(fromLeader).isNotEqualTo(fromOwn);
        leader.generation = 6;
        assertThat(source.generation()).isNotEqualTo(fromLeader);
        behind.set(false);
        assertThat(source.generation()).isGreaterThan(fromLeader);
    }

    @Test
    void anUnversionedSourceIsUnversioned() {
        leader.generation = EndpointSource.UNVERSIONED;
        behind.set(true);
        assertThat(source.generation()).isEqualTo(EndpointSource.UNVERSIONED);
    }

    private List<String> addresses() {
        return source.endpointsUnordered("web").stream().map(Endpoint::address).toList();
    }

    /** One service "web" with one endpoint at {@code address}; the stale "gone" only in the manager's own. */
    private static final class Fixed implements EndpointSource {
        private final String address;
        long generation;

        Fixed(String address, long generation) {
            this.address = address;
            this.generation = generation;
        }

        @Override
        public boolean knows(String service) {
            return service.equals("web") || service.equals("gone") && address.endsWith(".1");
        }

        @Override
        public Collection<Endpoint> endpointsUnordered(String service) {
            return service.equals("web") ? List.of(new Endpoint("e-" + address, "web", "s", "t", "n", address,
                    Map.of("http", 80), List.of(), Map.of(), Endpoint.TASK, null)) : List.of();
        }

        @Override
        public long generation() {
            return generation;
        }
    }
}
