package io.flotilla.state;

import io.vavr.Tuple2;
import io.vavr.collection.HashMap;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.pcollections.AbstractUnmodifiableMap;
import org.pcollections.PMap;

/**
 * A pcollections {@link PMap} on vavr's hash array mapped trie, for maps that grow to a million
 * entries (a service's endpoints in the discovery registry): a drop-in for {@code HashTreePMap}
 * where that one's binary tree is slow and large (lookups ~2x, changes 2-4x, and half the bytes an
 * entry; {@link TaskTable}'s javadoc has the figures). Keys and values must not be null. Its views
 * ({@link #keySet}, {@link #values}, {@link #entrySet}) are read-only and copy nothing; iteration
 * order is the trie's, as a hash map's.
 */
public final class TriePMap<K, V> extends AbstractUnmodifiableMap<K, V> implements PMap<K, V> {
    private static final TriePMap<?, ?> EMPTY = new TriePMap<>(HashMap.empty());

    private final HashMap<K, V> map;

    private TriePMap(HashMap<K, V> map) {
        this.map = map;
    }

    @SuppressWarnings("unchecked")
    public static <K, V> TriePMap<K, V> empty() {
        return (TriePMap<K, V>) EMPTY;
    }

    /** A map holding what {@code entries} holds. */
    public static <K, V> TriePMap<K, V> from(Map<? extends K, ? extends V> entries) {
        return TriePMap.<K, V>empty().plusAll(entries);
    }

    @Override
    public TriePMap<K, V> plus(K key, V value) {
        return new TriePMap<>(map.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value")));
    }

    @Override
    public TriePMap<K, V> plusAll(Map<? extends K, ? extends V> entries) {
        HashMap<K, V> next = map;
        for (Map.Entry<? extends K, ? extends V> entry : entries.entrySet()) {
            next = next.put(Objects.requireNonNull(entry.getKey(), "key"), Objects.requireNonNull(entry.getValue(), "value"));
        }
        return next == map ? this : new TriePMap<>(next);
    }

    @Override
    @SuppressWarnings("unchecked")
    public TriePMap<K, V> minus(Object key) {
        HashMap<K, V> next = map.remove((K) key);
        return next == map ? this : new TriePMap<>(next);
    }

    @Override
    @SuppressWarnings("unchecked")
    public TriePMap<K, V> minusAll(Collection<?> keys) {
        HashMap<K, V> next = map;
        for (Object key : keys) {
            next = next.remove((K) key);
        }
        return next == map ? this : new TriePMap<>(next);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object key) {
        return key == null ? null : map.getOrElse((K) key, null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public boolean containsKey(Object key) {
        return key != null && map.containsKey((K) key);
    }

    @Override
    public int size() {
        return map.size();
    }

    @Override
    public boolean isEmpty() {
        return map.isEmpty();
    }

    @Override
    public Set<K> keySet() {
        return TrieViews.keys(map);
    }

    @Override
    public Collection<V> values() {
        return TrieViews.values(map);
    }

    @Override
    public Set<Map.Entry<K, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<K, V>> iterator() {
                Iterator<Tuple2<K, V>> tuples = map.iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return tuples.hasNext();
                    }

                    @Override
                    public Map.Entry<K, V> next() {
                        Tuple2<K, V> next = tuples.next();
                        return new AbstractMap.SimpleImmutableEntry<>(next._1, next._2);
                    }
                };
            }

            @Override
            public int size() {
                return map.size();
            }
        };
    }
}
