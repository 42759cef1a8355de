package io.flotilla.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One stream of the managers' registry per node, however many users (DNS and mesh). */
class SharedRegistryMirrorTest {
    private final AtomicInteger made = new AtomicInteger();
    // No manager known: the stream idles, which is all these tests need of it.
    private final SharedRegistryMirror shared = new SharedRegistryMirror(() -> {
        made.incrementAndGet();
        return new RegistryMirrorStream(new RegistryMirror(), List::of);
    });

    @Test
    void dnsAndTheMeshReadOneMirrorFromOneStream() {
        try (SharedRegistryMirror.Lease dns = shared.acquire(); SharedRegistryMirror.Lease mesh = shared.acquire()) {
            assertThat(made).hasValue(1);
            assertThat(mesh.mirror()).isSameAs(dns.mirror());
            assertThat(shared.users()).isEqualTo(2);
        }
        assertThat(shared.users()).isZero();
    }

    @Test
    void theStreamStopsWithItsLastUserAndALaterUserGetsAFreshOne() {
        SharedRegistryMirror.Lease dns = shared.acquire();
        SharedRegistryMirror.Lease mesh = shared.acquire();
        RegistryMirror first = dns.mirror();
        dns.close();
        dns.close(); // closing twice releases once
        assertThat(shared.users()).isEqualTo(1);
        mesh.close();
        assertThat(shared.users()).isZero();

        try (SharedRegistryMirror.Lease again = shared.acquire()) {
            assertThat(made).hasValue(2);
            assertThat(again.mirror()).isNotSameAs(first);
        }
    }
}
