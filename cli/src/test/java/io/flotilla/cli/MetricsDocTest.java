package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md and the Grafana dashboard beside it agree: every meter the dashboard queries is
 * documented, and the table is read whole (each Where known). That the documented names are
 * exported is MetricsIT's to check, on real nodes.
 */
class MetricsDocTest {
    private static final Pattern NAME = Pattern.compile("flotilla_[a-z_]+");

    @Test
    void theDashboardQueriesOnlyDocumentedMeters() throws Exception {
        MetricsDoc doc = MetricsDoc.read();
        assertThat(doc.meters()).hasSizeGreaterThan(30).containsKeys("flotilla_raft_term",
                "flotilla_agent_task_restarts_total", "flotilla_dns_queries_total", "flotilla_mesh_requests_total");
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(
                DevNodeProcess.ROOT.resolve("docs/grafana/flotilla.json")));
        Set<String> queried = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                Matcher names = NAME.matcher(target.get("expr").asText());
                while (names.find()) {
                    queried.add(names.group().replaceAll("_(bucket|count|sum|max)$", ""));
                }
            }
        }
        assertThat(queried).hasSizeGreaterThan(20);
        assertThat(doc.meters().keySet()).containsAll(queried);
    }
}
