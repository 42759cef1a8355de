package io.flotilla.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.Resources;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AgentConfigTest {
    @Test
    void detectsThisMachinesResources() {
        Resources resources = AgentConfig.detectResources();

        assertThat(resources.nanoCpus()).isEqualTo(Runtime.getRuntime().availableProcessors() * 1_000_000_000L);
        assertThat(resources.memoryBytes()).isGreaterThan(64L * 1024 * 1024);
    }

    @Test
    void fillsDefaults() {
        AgentConfig config = new AgentConfig("n1", null, null, Path.of("/tmp/x"), null, null, null);

        assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.drivers()).containsExactly("process");
        assertThat(config.address()).isEqualTo("127.0.0.1");
        assertThat(config.hostname()).isNotBlank();
        assertThat(config.dnsDomain()).isEqualTo("flotilla");
        assertThat(config.withDnsDomain("corp.example.").dnsDomain()).isEqualTo("corp.example");
        assertThat(config.withDnsDomain("corp.example").withGluster(config.gluster()).dnsDomain()).isEqualTo("corp.example");
    }

    @Test
    void refusesAMissingNodeIdOrDataDir() {
        assertThatThrownBy(() -> new AgentConfig(" ", null, null, Path.of("/tmp"), null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AgentConfig("n1", null, null, null, null, null, null))
                .isInstanceOf(NullPointerException.class);
    }
}
