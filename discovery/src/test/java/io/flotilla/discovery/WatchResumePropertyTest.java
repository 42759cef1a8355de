package io.flotilla.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Any sequence of registry changes, and a watcher that reconnects from any index it saw: it ends
 * with exactly the current set, having received every change after its index once — no gap, no
 * repeat — or, when the index fell out of the history window, one reset to the current set.
 */
class WatchResumePropertyTest {
    record Step(boolean register, int id, int service, int address) {}

    @Provide
    Arbitrary<List<Step>> steps() {
        return Combinators.combine(Arbitraries.integers().between(0, 2).map(i -> i > 0), Arbitraries.integers().between(0, 6),
                Arbitraries.integers().between(0, 1), Arbitraries.integers().between(1, 3))
                .as(Step::new).list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 300)
    void aReconnectFromAnySeenIndexMissesNothingAndRepeatsNothing(@ForAll("steps") List<Step> steps,
                                                                 @ForAll @IntRange(min = 0, max = 40) int cut,
                                                                 @ForAll @IntRange(min = 1, max = 50) int historySize) {
        Registries r = new Registries(historySize);
        String service = "svc0";
        // The first connection: from the beginning, cut after `cut` steps.
        Map<String, Endpoint> held = new TreeMap<>();
        List<EndpointChange> received = new ArrayList<>();
        long[] lastIndex = {0};
        var first = r.registry.subscribe(service, -1, start -> start.snapshot().forEach(e -> held.put(e.id(), e)),
                change -> {
                    received.add(change);
                    apply(held, change);
                    lastIndex[0] = change.index();
                });
        int i = 0;
        for (; i < Math.min(cut, steps.size()); i++) {
            step(r, steps.get(i));
        }
        first.close();
        long resumeFrom = Math.max(lastIndex[0], 0);
        for (; i < steps.size(); i++) { // changes while disconnected
            step(r, steps.get(i));
        }
        List<Long> indexes = new ArrayList<>();
        var second = r.registry.subscribe(service, resumeFrom, start -> {
            if (start.reset()) {
                held.clear();
                start.snapshot().forEach(e -> held.put(e.id(), e));
            } else {
                start.changes().forEach(change -> {
                    indexes.add(change.index());
                    apply(held, change);
                });
            }
        }, change -> { });
        second.close();
        assertThat(indexes).allMatch(index -> index > resumeFrom).doesNotHaveDuplicates().isSorted();
        assertThat(new ArrayList<>(held.values())).isEqualTo(r.registry.endpoints(service));
        assertThat(received).extracting(EndpointChange::index).doesNotHaveDuplicates().isSorted();
    }

    private static void apply(Map<String, Endpoint> held, EndpointChange change) {
        change.removed().forEach(held::remove);
        change.upserted().forEach(e -> held.put(e.id(), e));
    }

    private static void step(Registries r, Step step) {
        if (step.register()) {
            r.register(Registries.registration("e" + step.id(), "svc" + step.service(), "10.0.0." + step.address(), 80));
        } else {
            r.deregister("e" + step.id());
        }
    }
}
