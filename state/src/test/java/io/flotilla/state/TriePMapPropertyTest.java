package io.flotilla.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.pcollections.PMap;

/**
 * For random sequences of puts and removals (single and several at once), {@link TriePMap} holds
 * what a {@link HashMap} given the same operations holds, through every {@code Map} view, and the
 * map an operation started from is unchanged.
 */
class TriePMapPropertyTest {

    /** An operation: put key → value (value ≥ 0), remove key (value -1), or remove the key and the two after it (-2). */
    record Op(int key, int value) {}

    @Property(tries = 300)
    void behavesAsAHashMapAndLeavesTheOldVersionAsItWas(@ForAll("ops") List<Op> ops) {
        PMap<Integer, Integer> map = TriePMap.empty();
        Map<Integer, Integer> model = new HashMap<>();
        for (Op op : ops) {
            Map<Integer, Integer> before = Map.copyOf(model);
            PMap<Integer, Integer> previous = map;
            if (op.value() >= 0) {
                map = map.plus(op.key(), op.value());
                model.put(op.key(), op.value());
            } else if (op.value() == -1) {
                map = map.minus(op.key());
                model.remove(op.key());
            } else {
                List<Integer> keys = List.of(op.key(), op.key() + 1, op.key() + 2);
                map = map.minusAll(keys);
                keys.forEach(model::remove);
            }
            assertThat(map).isEqualTo(model);
            assertThat(map.size()).isEqualTo(model.size());
            assertThat(map.keySet()).containsExactlyInAnyOrderElementsOf(model.keySet());
            assertThat(map.values()).containsExactlyInAnyOrderElementsOf(model.values());
            assertThat(map.get(op.key())).isEqualTo(model.get(op.key()));
            assertThat(map.containsKey(op.key())).isEqualTo(model.containsKey(op.key()));
            assertThat(previous).isEqualTo(before);
        }
        assertThat(TriePMap.from(model)).isEqualTo(model);
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 40),
                Arbitraries.integers().between(-2, 5)).as(Op::new);
        return op.list().ofMaxSize(80);
    }
}
