package io.flotilla.manager;

import java.util.Objects;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/** Ids as Swarm makes them: 25 lowercase letters and digits, drawn from an injected generator. */
public final class IdGenerator implements Supplier<String> {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    public static final int LENGTH = 25;

    private final RandomGenerator random;

    public IdGenerator(RandomGenerator random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public synchronized String get() {
        char[] id = new char[LENGTH];
        // The first character is a letter, so that an id never looks like a number.
        id[0] = ALPHABET.charAt(random.nextInt(26));
        for (int i = 1; i < LENGTH; i++) {
            id[i] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
        }
        return new String(id);
    }
}
