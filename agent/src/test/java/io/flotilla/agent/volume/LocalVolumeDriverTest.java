package io.flotilla.agent.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.VolumeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalVolumeDriverTest {
    @TempDir
    Path dataDir;

    @Test
    void aVolumeIsADirectoryUnderTheDataDirThatKeepsItsDataUntilRemoved() throws Exception {
        LocalVolumeDriver driver = new LocalVolumeDriver(dataDir);

        Path path = driver.acquire(new VolumeRequest("shop_data", VolumeOptions.DEFAULT, "t1"));

        assertThat(path).isEqualTo(dataDir.resolve("volumes/shop_data/_data")).isDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rwxr-xr-x");
        Files.writeString(path.resolve("ledger.log"), "1\n");
        driver.release(new VolumeRequest("shop_data", VolumeOptions.DEFAULT, "t1"));
        assertThat(driver.acquire(new VolumeRequest("shop_data", VolumeOptions.DEFAULT, "t2")).resolve("ledger.log"))
                .hasContent("1");

        driver.remove("shop_data", VolumeOptions.DEFAULT);
        assertThat(dataDir.resolve("volumes/shop_data")).doesNotExist();
        driver.remove("shop_data", VolumeOptions.DEFAULT); // gone already: nothing to do
    }

    @Test
    void aNameThatIsAPathIsRefused() {
        assertThatThrownBy(() -> new VolumeRequest("../etc", VolumeOptions.DEFAULT, "t1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot name a directory");
        assertThatThrownBy(() -> new LocalVolumeDriver(dataDir).remove("..", VolumeOptions.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
