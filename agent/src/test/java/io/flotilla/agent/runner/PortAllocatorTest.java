package io.flotilla.agent.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortAllocatorTest {
    @Test
    void neverHandsOutAPortTwiceWhileHeld() throws IOException {
        PortAllocator allocator = new PortAllocator("127.0.0.1");
        Set<Integer> seen = new HashSet<>();
        for (int round = 0; round < 20; round++) {
            Map<String, Integer> ports = allocator.allocate(List.of("a", "b"));
            assertThat(ports).containsOnlyKeys("a", "b");
            for (int port : ports.values()) {
                assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
            }
        }
    }

    @Test
    void heldPortsOfAdoptedTasksAreAvoided() throws IOException {
        PortAllocator allocator = new PortAllocator("127.0.0.1");
        int port = allocator.allocate(List.of("a")).get("a");
        allocator.release(List.of(port));
        allocator.hold(List.of(port));

        for (int round = 0; round < 20; round++) {
            assertThat(allocator.allocate(List.of("x")).get("x")).isNotEqualTo(port);
        }
    }
}
