package io.flotilla.manager;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Ids have Swarm's shape, are distinct, and every character is uniform over its alphabet. */
class IdGeneratorTest {
    private static final int IDS = 20_000;

    @Test
    void idsHaveSwarmsShapeAndDoNotRepeat() {
        IdGenerator ids = new IdGenerator(new SplittableRandom(7));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < IDS; i++) {
            String id = ids.get();
            assertThat(id).matches("[a-z][a-z0-9]{24}");
            assertThat(seen.add(id)).as("repeated id %s", id).isTrue();
        }
    }

    /**
     * Each of the 36 characters at positions 2..25, and each of the 26 letters at position 1,
     * within 5 % of its share (about 6 standard deviations here): a generator that took a byte
     * modulo 36 without skipping would give the first four characters 12.5 % too many.
     */
    @Test
    void everyCharacterIsUniform() {
        IdGenerator ids = new IdGenerator(new SplittableRandom(11));
        int[] first = new int[128];
        int[] rest = new int[128];
        for (int i = 0; i < IDS; i++) {
            String id = ids.get();
            first[id.charAt(0)]++;
            for (int j = 1; j < id.length(); j++) {
                rest[id.charAt(j)]++;
            }
        }
        double letterShare = IDS / 26.0;
        for (char c = 'a'; c <= 'z'; c++) {
            assertThat((double) first[c]).as("first character %s", c).isBetween(letterShare * 0.75, letterShare * 1.25);
        }
        double share = IDS * 24 / 36.0;
        for (char c : "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray()) {
            assertThat((double) rest[c]).as("character %s", c).isBetween(share * 0.95, share * 1.05);
        }
    }
}
