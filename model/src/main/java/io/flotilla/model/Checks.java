package io.flotilla.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Argument checks for compact constructors; defensive copies that turn null into empty. */
public final class Checks {
    private Checks() {}

    public static String requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }

    public static <T> List<T> list(List<T> value) {
        return value == null ? List.of() : List.copyOf(value);
    }

    public static <K, V> Map<K, V> map(Map<K, V> value) {
        return value == null ? Map.of() : Map.copyOf(value);
    }

    public static <T> Set<T> set(Set<T> value) {
        return value == null ? Set.of() : Set.copyOf(value);
    }

    public static int nonNegative(int value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
        return value;
    }
}
