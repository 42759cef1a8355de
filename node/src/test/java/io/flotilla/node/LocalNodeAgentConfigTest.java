package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.agent.AgentConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent a node starts knows what only the node's options say: {@code --overlay} and the DNS
 * domain ({@code --dns-domain}), whose {@code <stack>.<domain>} its tasks on networks search.
 */
class LocalNodeAgentConfigTest {
    @Test
    void theAgentGetsTheNodesDnsDomainAndOverlay(@TempDir Path data) {
        AgentConfig config = NodeLaunch.agentConfig("node-1", "127.0.0.1", data, true, "corp.example");

        assertThat(config.dnsDomain()).isEqualTo("corp.example");
        assertThat(config.overlay()).isTrue();
        assertThat(config.nodeId()).isEqualTo("node-1");
        assertThat(config.dataDir()).isEqualTo(data.resolve("agent"));
    }

    @Test
    void withoutADomainTheAgentUsesTheDnsServersDefault(@TempDir Path data) {
        AgentConfig config = NodeLaunch.agentConfig("node-1", "127.0.0.1", data, false, null);

        assertThat(config.dnsDomain()).isEqualTo(AgentConfig.DEFAULT_DNS_DOMAIN)
                .isEqualTo(io.flotilla.discovery.dns.DnsConfig.DEFAULT_DOMAIN);
        assertThat(config.overlay()).isFalse();
    }
}
