package io.flotilla.bench;

import io.flotilla.client.ApiClient;
import io.flotilla.client.EventQuery;
import io.flotilla.client.EventReader;
import io.flotilla.model.ClusterEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Issue 19's "no node wrongly judged down": every {@code node.down} event of a chaos run must fall
 * within the span of a kill or a partition of that node (from the SIGKILL or the cut until it was
 * back, plus {@link #GRACE} for the leader to see it back), or of a stall of the whole machine
 * ({@link ChaosStalls}: every node paused with it). A node judged down while it was only
 * paused (SIGSTOP shorter than the heartbeat timeout), or while nothing happened to it, is a wrong
 * judgement; so is one judged down while its disk was full (its heartbeats need no disk).
 */
final class ChaosDowns {
    /** After a killed node is back: its first heartbeat, and the leader's next pass, come within this. */
    static final Duration GRACE = Duration.ofSeconds(5);

    /** A node.down event no kill or partition explains. */
    record Wrong(ClusterEvent event, String address) {}

    private ChaosDowns() {}

    /** The node.down events the cluster recorded, read through {@code api} from the start of its retained history. */
    static List<ClusterEvent> nodeDowns(String api) {
        List<ClusterEvent> downs = new ArrayList<>();
        try (EventReader reader = EventReader.open(new ApiClient(api),
                new EventQuery("0", null, false, Map.of("type", List.of("node.down"))))) {
            for (ClusterEvent event = reader.next(); event != null; event = reader.next()) {
                if (event.type().equals("node.down")) {
                    downs.add(event);
                }
            }
        }
        return downs;
    }

    /**
     * The downs no kill or partition of the same node explains. {@code addressOf}: node id → address; an event
     * without a time, or of a node not in it, counts as wrong (it cannot be explained).
     */
    static List<Wrong> judge(List<ClusterEvent> downs, Map<String, String> addressOf, List<ChaosNemesis.Span> spans) {
        return judge(downs, addressOf, spans, List.of());
    }

    /** As above; a down during a stall of the whole machine ({@link ChaosStalls}), or within {@link #GRACE} after, is explained too. */
    static List<Wrong> judge(List<ClusterEvent> downs, Map<String, String> addressOf, List<ChaosNemesis.Span> spans,
                             List<ChaosStalls.Stall> stalls) {
        List<Wrong> wrong = new ArrayList<>();
        for (ClusterEvent down : downs) {
            String address = addressOf.get(down.node());
            boolean explained = address != null && down.time() != null && (spans.stream().anyMatch(span -> explains(span.kind())
                    && span.address().equals(address) && !down.time().isBefore(span.start())
                    && !down.time().isAfter(span.end().plus(GRACE)))
                    || stalls.stream().anyMatch(stall -> !down.time().isBefore(stall.start())
                    && !down.time().isAfter(stall.end().plus(GRACE))));
            if (!explained) {
                wrong.add(new Wrong(down, address));
            }
        }
        return wrong;
    }

    /** Kills and partitions: a node killed or cut off is rightly judged down; one paused below the timeout, or with a full disk, is not. */
    private static boolean explains(ChaosNemesis.Kind kind) {
        return !kind.pause() && !kind.disk();
    }
}
