package io.flotilla.model.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.NotBlank;
import org.junit.jupiter.api.Test;

/** What a task's process sees of its assignment, and the variables of older sets and stored tasks read back. */
class AssignmentVariablesTest {
    @Test
    void aTaskSeesItsAssignmentAsTheVariablesItAlwaysSaw() {
        Assignment assignment = new Assignment(List.of(new Assignment.Port("http", 8080), new Assignment.Port("web", 80, 8080)),
                true, new java.util.LinkedHashMap<>(Map.of("BACKEND", "shop_backend")), true);
        assertThat(AssignmentVariables.of(assignment)).containsExactly(
                Map.entry("FLOTILLA_PORTS", "http:8080,web:80:8080:host"),
                Map.entry("FLOTILLA_FENCING", "lease"),
                Map.entry("FLOTILLA_DEPENDENCIES", "BACKEND=shop_backend"));
        assertThat(AssignmentVariables.of(Assignment.NONE)).isEmpty();
    }

    @Test
    void aStatefulServicesTaskSeesItsSlotAndItsSlotsStableName() {
        Assignment assignment = new Assignment(List.of(), true, Map.of(), true, 2, "db-2.db.shop.flotilla");
        assertThat(AssignmentVariables.of(assignment)).containsExactly(
                Map.entry("FLOTILLA_FENCING", "lease"),
                Map.entry("FLOTILLA_SLOT", "2"),
                Map.entry("FLOTILLA_SLOT_NAME", "db-2.db.shop.flotilla"));
    }

    @Test
    void liftingWhatOfWroteGivesTheAssignmentBack() {
        Assignment assignment = new Assignment(List.of(new Assignment.Port("http", 8080), new Assignment.Port("web", 80, 8080)),
                true, Map.of("BACKEND", "shop_backend"), false);
        Map<String, String> env = new java.util.HashMap<>(AssignmentVariables.of(assignment));
        env.put("DB_HOST", "10.0.0.5");
        AssignmentVariables.Lifted lifted = AssignmentVariables.lift(env);
        assertThat(lifted.assignment()).isEqualTo(assignment);
        assertThat(lifted.environment()).isEqualTo(Map.of("DB_HOST", "10.0.0.5"));
    }

    @Test
    void malformedPortsAreSkippedABarePortNamesItselfAndOnlyHostModePinsTheHostPort() {
        Assignment lifted = AssignmentVariables.lift(Map.of("FLOTILLA_PORTS",
                "http:8080, 9090:9090,,bad:x,8081,http:1,odd:81:9000:ingress,web:80:8080:host")).assignment();
        assertThat(lifted.ports()).containsExactly(new Assignment.Port("http", 8080), new Assignment.Port("9090", 9090),
                new Assignment.Port("8081", 8081), new Assignment.Port("odd", 81), new Assignment.Port("web", 80, 8080));
    }

    @Property
    void portVariablesAreValidShellNames(@ForAll @NotBlank String portName) {
        assertThat(AssignmentVariables.portVariable(portName)).matches("FLOTILLA_PORT_[A-Z0-9_]+");
    }

    @Test
    void olderVariablesWithFencingAndASlotAreFencedWithItsSlotsVolumesNumberAndName() {
        AssignmentVariables.Lifted lifted = AssignmentVariables.lift(Map.of("FLOTILLA_FENCING", "lease",
                "FLOTILLA_SLOT", "2", "FLOTILLA_SLOT_NAME", "db-2.db.shop.flotilla", "CACHE_HOST", "10.0.0.9"));
        assertThat(lifted.assignment()).isEqualTo(new Assignment(List.of(), true, Map.of(), true, 2, "db-2.db.shop.flotilla"));
        assertThat(lifted.environment()).isEqualTo(Map.of("CACHE_HOST", "10.0.0.9"));
        Map<String, String> seen = AssignmentVariables.of(lifted.assignment());
        assertThat(seen).containsEntry("FLOTILLA_SLOT", "2").containsEntry("FLOTILLA_SLOT_NAME", "db-2.db.shop.flotilla");
    }
}
