package io.flotilla.discovery.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {
    private static EndpointList list(int n) {
        EndpointList list = new EndpointList();
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            endpoints.add(new Endpoint("e" + i, "svc", "10.0.0." + (i + 1), Map.of("http", 8080), List.of(), Map.of()));
        }
        list.replace(1, endpoints);
        return list;
    }

    @Test
    void roundRobinVisitsEveryEndpointInTurn() {
        LoadBalancer balancer = LoadBalancer.roundRobin(list(3));
        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            try (LoadBalancer.Lease lease = balancer.acquire()) {
                chosen.add(lease.endpoint().id());
            }
        }
        assertThat(chosen).containsExactly("e0", "e1", "e2", "e0", "e1", "e2");
        assertThatThrownBy(() -> LoadBalancer.roundRobin(new EndpointList()).acquire()).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void powerOfTwoChoicesAvoidsTheEndpointWithTheMostOutstandingRequests() {
        EndpointList endpoints = list(2);
        var balancer = (LoadBalancer.PowerOfTwoChoices) LoadBalancer.powerOfTwoChoices(endpoints, new Random(1));
        LoadBalancer.Lease stuck = balancer.acquire(); // one slow request stays open
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            try (LoadBalancer.Lease lease = balancer.acquire()) {
                counts.merge(lease.endpoint().id(), 1, Integer::sum);
            }
        }
        String busy = stuck.endpoint().id();
        assertThat(counts.getOrDefault(busy, 0)).isZero();
        stuck.close();
        assertThat(balancer.outstanding(busy)).isZero();
    }

    @Test
    void theListAppliesChangesAndAdvancesItsIndex() {
        EndpointList endpoints = list(2);
        endpoints.apply(5, List.of(new Endpoint("e9", "svc", "10.0.0.9", Map.of(), List.of(), Map.of())), List.of("e0"));
        assertThat(endpoints.current()).extracting(Endpoint::id).containsExactly("e1", "e9");
        assertThat(endpoints.index()).isEqualTo(5);
        endpoints.advance(3);
        assertThat(endpoints.index()).isEqualTo(5);
    }
}
