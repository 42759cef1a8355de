package io.flotilla.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Endpoint;
import io.flotilla.model.api.EndpointEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * A worker's {@link RegistryMirror} fed by the all-services watch, as {@code GET
 * /v1/discovery/watch} writes it: any sequence of registry changes (some entries change two
 * services at one index), delivered partly, with the connection cut anywhere (also between two
 * changes of one index) and resumed from the mirror's index. The mirror always ends with exactly
 * the registry's endpoints, applies each (index, service) change at most once, and when the
 * history window no longer holds its index, takes a reset.
 */
class RegistryMirrorPropertyTest {
    /** One log entry: register (or deregister) endpoint {@code id} in svc{service}, and maybe a second one in svc{service+1}. */
    record Step(boolean register, int id, int service, int address, boolean twoServices,
                int deliver, boolean cut, boolean heartbeat) {}

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Boolean> coin = Arbitraries.integers().between(0, 2).map(i -> i > 0);
        Arbitrary<Step> step = Combinators.combine(coin, Arbitraries.integers().between(0, 6),
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(1, 3), Arbitraries.of(true, false),
                Arbitraries.integers().between(0, 4), Arbitraries.integers().between(0, 3).map(i -> i == 0),
                Arbitraries.of(true, false)).as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(40);
    }

    /** The watch as the API serves it: the start, then each change after what the start covered. */
    static final class Connection implements AutoCloseable {
        final List<EndpointEvent> wire = new ArrayList<>();
        final EndpointRegistry.Subscription subscription;
        long covered;

        Connection(EndpointRegistry registry, long from) {
            subscription = registry.subscribeAll(from, start -> {
                covered = start.index();
                if (start.snapshot() != null) {
                    wire.add(EndpointEvent.snapshot(null, start.index(), start.reset(), start.snapshot()));
                } else {
                    start.changes().forEach(c -> wire.add(event(c)));
                    wire.add(EndpointEvent.heartbeat(null, start.index()));
                }
            }, change -> {
                if (change.index() > covered) {
                    wire.add(event(change));
                }
            });
        }

        static EndpointEvent event(EndpointChange c) {
            return EndpointEvent.change(c.service(), c.index(), c.upserted(), c.removed());
        }

        @Override
        public void close() {
            subscription.close();
        }
    }

    @Property(tries = 400)
    void cutsAnywhereAndResumesMissNothingAndRepeatNothing(@ForAll("steps") List<Step> steps,
                                                          @ForAll @IntRange(min = 1, max = 30) int historySize) {
        Registries r = new Registries(historySize);
        RegistryMirror mirror = new RegistryMirror();
        Set<String> appliedChanges = new HashSet<>();
        Connection connection = new Connection(r.registry, mirror.resumeIndex());
        for (Step step : steps) {
            step(r, step);
            if (step.heartbeat()) { // the server's heartbeat: every change up to the index is on the wire
                connection.wire.add(EndpointEvent.heartbeat(null, Math.max(connection.covered, r.registry.index())));
            }
            deliver(mirror, connection, step.deliver(), appliedChanges);
            if (step.cut()) { // what was still in flight is lost
                connection.close();
                connection = new Connection(r.registry, mirror.resumeIndex());
            }
        }
        deliver(mirror, connection, Integer.MAX_VALUE, appliedChanges);
        connection.close();
        assertThat(mirror.all()).isEqualTo(expected(r.registry));
        for (String service : List.of("svc0", "svc1", "svc2", "svc3", "nope")) {
            assertThat(mirror.knows(service)).isEqualTo(!r.registry.endpoints(service).isEmpty());
        }
    }

    private static void deliver(RegistryMirror mirror, Connection connection, int count, Set<String> appliedChanges) {
        for (int i = 0; i < count && !connection.wire.isEmpty(); i++) {
            EndpointEvent event = connection.wire.removeFirst();
            long before = mirror.counters()[0];
            long resetsBefore = mirror.counters()[2];
            mirror.apply(event);
            if (mirror.counters()[2] > resetsBefore) {
                appliedChanges.clear(); // a reset starts over: what came before no longer counts
            }
            if (mirror.counters()[0] > before) {
                assertThat(appliedChanges.add(event.index() + "/" + event.service()))
                        .as("change %s/%s applied twice", event.index(), event.service()).isTrue();
            }
        }
    }

    static SortedMap<String, List<Endpoint>> expected(EndpointRegistry registry) {
        SortedMap<String, List<Endpoint>> result = new TreeMap<>();
        registry.allEndpoints().forEach(e -> result.computeIfAbsent(e.service(), s -> new ArrayList<>()).add(e));
        return result;
    }

    private static void step(Registries r, Step step) {
        String id = "e" + step.id();
        if (step.register()) {
            if (step.twoServices()) {
                r.register(Registries.registration(id, "svc" + step.service(), "10.0.0." + step.address(), 80),
                        Registries.registration(id + "b", "svc" + (step.service() + 1), "10.0.1." + step.address(), 81));
            } else {
                r.register(Registries.registration(id, "svc" + step.service(), "10.0.0." + step.address(), 80));
            }
        } else if (step.twoServices()) {
            r.deregister(id, id + "b");
        } else {
            r.deregister(id);
        }
    }

    @Test
    void resetThenChangesThenAResumeThatReplaysOneIndexPartly() {
        Registries r = new Registries(100);
        r.register(Registries.registration("a", "svc0", "10.0.0.1", 80));
        RegistryMirror mirror = new RegistryMirror();
        Connection first = new Connection(r.registry, -1);
        deliver(mirror, first, 10, new HashSet<>());
        assertThat(mirror.resumeIndex()).isEqualTo(1);
        assertThat(mirror.endpoints("svc0")).extracting(Endpoint::address).containsExactly("10.0.0.1");
        // one entry changes two services (index 2); the stream breaks after the first of them
        r.register(Registries.registration("b", "svc1", "10.0.0.2", 80), Registries.registration("c", "svc2", "10.0.0.3", 80));
        assertThat(first.wire).hasSize(2);
        deliver(mirror, first, 1, new HashSet<>());
        first.close();
        assertThat(mirror.resumeIndex()).as("index 2 is not complete yet").isEqualTo(1);
        Connection second = new Connection(r.registry, mirror.resumeIndex());
        deliver(mirror, second, 10, new HashSet<>());
        assertThat(mirror.counters()).containsExactly(2, 1, 1); // 2 applied, 1 replayed and skipped, 1 snapshot
        assertThat(mirror.all()).isEqualTo(expected(r.registry));
        assertThat(mirror.resumeIndex()).isEqualTo(2);
        second.close();
        // the registry moves on past a small history: an old index gets a reset
        Registries small = new Registries(1);
        small.register(Registries.registration("x", "svc0", "10.0.0.9", 80));
        small.register(Registries.registration("y", "svc1", "10.0.0.8", 80));
        small.register(Registries.registration("z", "svc1", "10.0.0.7", 80));
        Connection stale = new Connection(small.registry, 1);
        assertThat(stale.wire.getFirst().reset()).isTrue();
        deliver(mirror, stale, 10, new HashSet<>());
        stale.close();
        assertThat(mirror.all()).isEqualTo(expected(small.registry));
        assertThat(mirror.knows("svc2")).as("a reset drops what the new set does not hold").isFalse();
    }
}
