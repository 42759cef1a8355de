package io.flotilla.state;

import io.vavr.collection.HashMap;
import java.util.AbstractCollection;
import java.util.AbstractSet;
import java.util.Collection;
import java.util.Iterator;
import java.util.Set;

/**
 * Read-only Java views over a vavr trie, copying nothing (vavr's own {@code keySet()} and
 * {@code values()} build new collections or lazy streams): what {@link TaskTable} and
 * {@link TriePMap} hand their readers.
 */
final class TrieViews {
    private TrieViews() {
    }

    /** The map's keys as a set. */
    static <K> Set<K> keys(HashMap<K, ?> map) {
        return new AbstractSet<>() {
            @Override
            public Iterator<K> iterator() {
                return map.keysIterator();
            }

            @Override
            public int size() {
                return map.size();
            }

            @Override
            @SuppressWarnings("unchecked")
            public boolean contains(Object key) {
                return key != null && map.containsKey((K) key);
            }
        };
    }

    /** The map's values as a collection, iterated in place. */
    static <V> Collection<V> values(HashMap<?, V> map) {
        return new AbstractCollection<>() {
            @Override
            public Iterator<V> iterator() {
                return map.valuesIterator();
            }

            @Override
            public int size() {
                return map.size();
            }
        };
    }
}
