package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The DNS source's one generation for the registry's and the mesh's ({@link NodeDns.PairedGeneration}):
 * the DNS answer cache compares it for equality, so a changed pair must never get a number seen before.
 */
class PairedGenerationTest {
    @Test
    void aChangeOfEitherIsANewNumberAndNoneComesBack() {
        NodeDns.PairedGeneration generation = new NodeDns.PairedGeneration();
        long first = generation.of(10, 7);
        assertThat(generation.of(10, 7)).isEqualTo(first);
        long meshChanged = generation.of(10, 8);
        long registryChanged = generation.of(11, 8);
        long meshGone = generation.of(11, 0);
        long back = generation.of(18, 0); // 18 + 0 == 11 + 7: a sum would repeat
        long meshAgain = generation.of(10, 7); // a stale reader's pair: still a number not given before
        assertThat(java.util.List.of(first, meshChanged, registryChanged, meshGone, back, meshAgain))
                .doesNotHaveDuplicates().isSorted();
        assertThat(generation.of(10, 7)).isEqualTo(meshAgain);
    }
}
