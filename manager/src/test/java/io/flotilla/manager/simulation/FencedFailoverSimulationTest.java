package io.flotilla.manager.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.RestartPolicy;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.VolumeMount;
import io.flotilla.model.VolumeOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A fenced (glusterfs) service's node is cut off from the managers, in the simulation of the
 * whole cluster (each manager's real LeaderCore and DispatchRules; fake agents that honour their lease):
 * after every step no fenced slot runs twice ({@link ManagerSimulation#checkFencedSlots}), and the
 * slot comes back elsewhere only after last heartbeat + lease + 1 s — also when the leader changes
 * meanwhile, where the new leader counts from its own start.
 */
class FencedFailoverSimulationTest {
    private static final VolumeOptions GLUSTER = new VolumeOptions(VolumeOptions.GLUSTERFS, Map.of(), Map.of(), false);

    private ManagerSimulation sim;

    private String deployFenced() {
        sim = new ManagerSimulation(new SplittableRandom(7), 3, 3);
        for (int i = 0; i < 40; i++) {
            sim.step(Duration.ofMillis(250));
        }
        TaskTemplate t = TaskTemplate.process(List.of("sleep", "1000"))
                .withRestartPolicy(new RestartPolicy(RestartPolicy.ANY, Duration.ofSeconds(1), null, null));
        TaskTemplate task = new TaskTemplate(t.driver(), t.image(), t.command(), t.entrypoint(), t.environment(),
                t.workingDir(), t.user(), t.hostname(), t.labels(), t.healthcheck(),
                List.of(new VolumeMount("volume", "ledger_data", "/data", false, GLUSTER)), t.resources(),
                t.restartPolicy(), t.placement(), t.stopSignal(), t.stopGracePeriod(), t.init(), t.readOnly(),
                t.capAdd(), t.capDrop(), t.tmpfs(), t.ulimits(), t.pullPolicy(), t.networks(), t.discovery());
        ServiceSpec spec = new ServiceSpec("ledger", null, null, 1, task, List.of(), List.of(), Map.of(), null, null);
        assertThat(sim.propose(new Command.CreateService("svc-ledger", spec, sim.now))).isTrue();
        for (int i = 0; i < 40; i++) {
            sim.step(Duration.ofMillis(250));
        }
        assertThat(running()).hasSize(1);
        return running().getFirst().nodeId();
    }

    private List<Task> running() {
        return sim.state().tasksOfService("svc-ledger").stream()
                .filter(t -> t.state() == TaskState.RUNNING && t.desiredState() == TaskState.RUNNING).toList();
    }

    /** Where the slot's process really runs (by the fake agents), or null. */
    private String runsOn() {
        for (SimulatedAgent agent : sim.agents.values()) {
            if (agent.processes.values().stream().anyMatch(p -> p.serviceId().equals("svc-ledger"))) {
                return agent.nodeId;
            }
        }
        return null;
    }

    @Test
    void aCutOffNodesFencedTaskIsReplacedOnlyAfterItsLeaseAndNeverRunsTwice() {
        String lost = deployFenced();
        Instant cut = sim.now;
        sim.router.isolate(lost, 1); // the node alone; managers and client on side 0

        String elsewhere = null;
        String sawWaiting = null;
        Instant movedAt = null;
        for (int i = 0; i < 80 && elsewhere == null; i++) {
            sim.step(Duration.ofMillis(100)); // checks, after every step, that the slot never runs twice
            Task old = sim.state().tasksOfService("svc-ledger").stream().filter(t -> lost.equals(t.nodeId()))
                    .findFirst().orElseThrow();
            if (old.status().error() != null && old.status().error().contains("waiting until its lease expires")) {
                sawWaiting = old.status().error();
            }
            String now = runsOn();
            if (now != null && !now.equals(lost)) {
                elsewhere = now;
                movedAt = sim.now;
            }
        }
        assertThat(sawWaiting).as("the lost node's task said what it waits for")
                .startsWith("node host-" + lost + " (" + lost + ") is down; waiting until its lease expires at ");
        assertThat(elsewhere).as("replaced elsewhere").isNotNull();
        assertThat(Duration.between(cut, movedAt)).as("not before the lease and the margin")
                .isGreaterThan(ManagerSimulation.LEASE.plusSeconds(1));
        assertThat(sim.agents.get(lost).processes).as("the cut-off agent killed its copy").isEmpty();
        assertThat(sim.agents.get(lost).ended.values()).anyMatch(s -> "fenced".equals(s.message()));

        sim.router.heal();
        for (int i = 0; i < 40; i++) {
            sim.step(Duration.ofMillis(250));
        }
        assertThat(running()).hasSize(1);
        assertThat(sim.runningCopies()).containsEntry("svc-ledger", 1);
    }

    @Test
    void aNewLeaderWaitsALeaseFromItsOwnStartBeforeReplacingAFencedTask() {
        String lost = deployFenced();
        SimulatedManager oldLeader = sim.leaderFor("client");
        sim.router.isolate(lost, 1);
        sim.crashManager(oldLeader); // the heartbeats it kept die with it
        Instant cut = sim.now;

        Instant newLeaderAt = null;
        Instant movedAt = null;
        for (int i = 0; i < 150 && movedAt == null; i++) {
            sim.step(Duration.ofMillis(100));
            SimulatedManager leader = sim.leaderFor("client");
            if (newLeaderAt == null && leader != null && leader != oldLeader) {
                newLeaderAt = sim.now;
            }
            String now = runsOn();
            if (now != null && !now.equals(lost)) {
                movedAt = sim.now;
            }
        }
        assertThat(newLeaderAt).isNotNull();
        assertThat(movedAt).as("replaced elsewhere").isNotNull();
        assertThat(Duration.between(cut, movedAt)).isGreaterThan(ManagerSimulation.LEASE.plusSeconds(1));
        sim.restartManager(oldLeader);
    }

    @Test
    void aNodeBackBeforeItsLeaseRanOutKeepsItsFencedTask() {
        String lost = deployFenced();
        String taskId = running().getFirst().id();
        sim.router.isolate(lost, 1);
        for (int i = 0; i < 40; i++) { // 4 s: down after 3 s, lease 5 s
            sim.step(Duration.ofMillis(100));
        }
        assertThat(sim.state().node(lost).orElseThrow().status().state()).isEqualTo(io.flotilla.model.NodeState.DOWN);
        sim.router.heal();
        for (int i = 0; i < 20; i++) {
            sim.step(Duration.ofMillis(100));
        }
        Task task = sim.state().task(taskId).orElseThrow();
        assertThat(task.state()).isEqualTo(TaskState.RUNNING);
        assertThat(task.status().error()).as("the wait is over").isNull();
        assertThat(runsOn()).isEqualTo(lost);
    }
}
