package io.flotilla.cli.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The live lines of {@code stack deploy} while it sends a built image: one per tenth of the archive. */
class ImageUploadProgressTest {
    @Test
    void aSentLineSaysHowMuchOfWhichImage() {
        assertThat(ImageUpload.sentLine("shop-web:3f2a", 4 * 1024 * 1024, 10 * 1024 * 1024))
                .isEqualTo("sent 40% of shop-web:3f2a (4096 of 10240 KiB)");
    }

    @Test
    void oneLinePerTenthHoweverSmallOrLargeTheParts() {
        long size = 100 * ImageUpload.PART + 17;
        long lines = LongStream.range(0, 101).filter(i -> {
            long before = Math.min(size, i * ImageUpload.PART);
            return ImageUpload.crossesTenth(before, Math.min(size, before + ImageUpload.PART), size);
        }).count();
        assertThat(lines).isEqualTo(10);
        // A part bigger than the archive's tenths says so once, not once per tenth crossed.
        assertThat(ImageUpload.crossesTenth(0, 5 * 1024 * 1024, 5 * 1024 * 1024)).isTrue();
        assertThat(ImageUpload.crossesTenth(0, 1000, 100_000)).isFalse();
        assertThat(ImageUpload.crossesTenth(0, 0, 0)).isFalse();
    }
}
