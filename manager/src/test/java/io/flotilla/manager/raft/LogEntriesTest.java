package io.flotilla.manager.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.Command;
import io.flotilla.model.Json;
import java.nio.charset.StandardCharsets;
import org.apache.ratis.server.protocol.TermIndex;
import org.junit.jupiter.api.Test;

/**
 * An entry naming a command type this release does not know (one a newer release wrote) must stop the
 * manager's log, not be skipped as a failing command is: the managers that know it apply it.
 */
class LogEntriesTest {
    private static final TermIndex AT = TermIndex.valueOf(3, 174);

    @Test
    void aKnownCommandIsRead() {
        Command command = new Command.RemoveStack("shop", java.time.Instant.parse("2026-12-06T13:00:00Z"));
        assertThat(LogEntries.decode(Json.writeBytes(command), AT)).isEqualTo(command);
    }

    @Test
    void anUnknownCommandTypeIsAnUnreadableEntryThatSaysWhatToDo() {
        byte[] newer = "{\"type\":\"PatchNodeSpecV2\",\"nodeId\":\"n1\"}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> LogEntries.decode(newer, AT)).isInstanceOf(LogEntries.UnreadableEntry.class)
                .hasMessageContaining("(t:3, i:174)").hasMessageContaining("'PatchNodeSpecV2'")
                .hasMessageContaining("upgrade this manager");
    }

    @Test
    void anotherDecodingFailureIsNotOne() {
        byte[] broken = "{\"type\":\"RemoveStack\",".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> LogEntries.decode(broken, AT)).isNotInstanceOf(LogEntries.UnreadableEntry.class);
    }
}
