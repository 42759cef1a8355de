package io.flotilla.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.client.EventQuery;
import io.flotilla.model.ClusterEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code flotilla events}: its options and its line, without a cluster. */
class EventsCommandTest {
    private static final Instant NOW = Instant.parse("2026-12-05T22:10:03.123Z");

    @Test
    void sinceAndUntilTakeADurationATimeNowOrALogPosition() {
        assertThat(EventsCommand.point("--since", "10m", NOW)).isEqualTo("2026-12-05T22:00:03.123Z");
        assertThat(EventsCommand.point("--since", "1h30m", NOW)).isEqualTo("2026-12-05T20:40:03.123Z");
        assertThat(EventsCommand.point("--since", "2026-12-05T23:00:00+01:00", NOW)).isEqualTo("2026-12-05T22:00:00Z");
        assertThat(EventsCommand.point("--until", "now", NOW)).isEqualTo(NOW.toString());
        assertThat(EventsCommand.point("--since", "1234", NOW)).as("a log index").isEqualTo("1234");
        assertThat(EventsCommand.point("--since", "1234/2", NOW)).as("a position").isEqualTo("1234/2");
        assertThat(EventsCommand.point("--since", null, NOW)).isNull();
        assertThat(EventsCommand.duration("45s")).isEqualTo(Duration.ofSeconds(45));
        assertThat(EventsCommand.duration("10x")).isNull();
        assertThatThrownBy(() -> EventsCommand.point("--since", "yesterday", NOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--since must be");
    }

    @Test
    void filtersAreKeyValuePairsOfKnownKeys() {
        EventQuery query = EventsCommand.query(List.of("type=node.down", "type=task", "service=shop_web"), "5m", null, NOW);
        assertThat(query.filters()).isEqualTo(Map.of("type", List.of("node.down", "task"), "service", List.of("shop_web")));
        assertThat(query.since()).isEqualTo("2026-12-05T22:05:03.123Z");
        assertThat(query.follow()).isTrue();
        assertThatThrownBy(() -> EventsCommand.query(List.of("colour=red"), null, null, NOW))
                .hasMessageContaining("unknown --filter key colour");
        assertThatThrownBy(() -> EventsCommand.query(List.of("type"), null, null, NOW))
                .hasMessageContaining("--filter must be KEY=VALUE");
    }

    @Test
    void anEventIsOneLineAsDockerEventsPrintsIt() {
        ClusterEvent down = new ClusterEvent(42, 0, NOW, "node.down", null, null, "abc12345", null,
                "node abc12345 is down", Map.of());
        assertThat(EventsCommand.line(down)).isEqualTo("2026-12-05T22:10:03.123Z node.down node=abc12345 node abc12345 is down");
        ClusterEvent failed = new ClusterEvent(43, 1, Instant.parse("2026-12-05T22:10:04Z"), "task.failed", "shop",
                "shop_web", "n1", "t1", "shop_web.1 failed: exit status 3", Map.of("error", "exit status 3"));
        assertThat(EventsCommand.line(failed)).isEqualTo("2026-12-05T22:10:04.000Z task.failed stack=shop service=shop_web"
                + " node=n1 task=t1 shop_web.1 failed: exit status 3");
    }
}
