package io.flotilla.mesh;

import static io.flotilla.mesh.MeshFixture.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.mesh.MeshRoute.Balancing;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A backend whose host is cut off (its packets dropped, as a partition or a dead host does) while
 * the mesh holds pooled keep-alive connections to it: an idempotent request sent on such a
 * connection is retried on the other backend within a few seconds, not held for the response
 * timeout (60 s). The kernel finds the loss: bytes sent that the backend's kernel never
 * acknowledges close the connection after {@link Transport#BACKEND_UNACKNOWLEDGED_MILLIS}.
 *
 * <p>Drops with iptables on loopback (only packets to and from the cut-off backend's port on 127.0.0.1);
 * needs root and iptables, as CI has: it fails without them. The rules are removed afterwards.
 */
class MeshBackendCutOffTest {
    private static final String COMMENT = "flotilla-mesh-cut-off-test";
    private MeshFixture fixture;

    @BeforeEach
    void removeLeftovers() throws Exception {
        removeRules();
    }

    @AfterEach
    void tearDown() throws Exception {
        removeRules();
        fixture.close();
    }

    @Test
    void aRequestOnAPooledConnectionToACutOffBackendIsRetriedOnAnotherWithinSeconds() throws Exception {
        fixture = new MeshFixture();
        TestBackend gone = fixture.backend("gone");
        TestBackend alive = fixture.backend("alive");
        int port = fixture.http(route("s", null, null, Balancing.ROUND_ROBIN, gone, alive));
        for (int i = 0; i < 6; i++) { // pooled connections to both
            assertThat(fixture.get(port, "/warm").statusCode()).isEqualTo(200);
        }
        assertThat(gone.requests.get()).as("the pool holds a connection to the backend cut off next").isPositive();
        for (String direction : new String[] {"--dport", "--sport"}) { // both ways, as a partition
            iptables("-I", "OUTPUT", "-o", "lo", "-p", "tcp", "-d", "127.0.0.1", direction, Integer.toString(gone.port()),
                    "-m", "comment", "--comment", COMMENT, "-j", "DROP");
        }
        int before = gone.requests.get();
        for (int i = 0; i < 4; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = fixture.get(port, "/after-" + i);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(response.statusCode()).as("request %d: %s", i, response.body()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("alive /after-" + i);
            assertThat(millis).as("request %d answered by the other backend within seconds", i).isLessThan(6_000);
        }
        assertThat(gone.requests.get()).as("nothing reached the cut-off backend").isEqualTo(before);
        assertThat(fixture.registry.scrape()).contains("flotilla_mesh_retries_total{service=\"s\"}");
    }

    private static void removeRules() throws Exception {
        String rules = iptables("-S", "OUTPUT");
        for (String rule : rules.split("\n")) {
            if (rule.contains(COMMENT)) {
                iptables(("-D" + rule.substring(2)).replace("\"", "").split(" "));
            }
        }
    }

    private static String iptables(String... arguments) throws Exception {
        String[] command = new String[arguments.length + 3];
        command[0] = "iptables";
        command[1] = "-w";
        command[2] = "5";
        System.arraycopy(arguments, 0, command, 3, arguments.length);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("%s: %s (root and iptables are needed)", String.join(" ", command), out).isZero();
        return out;
    }
}
