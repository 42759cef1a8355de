package io.flotilla.scheduler;

import io.flotilla.model.*;

import io.flotilla.state.*;
import java.time.*;
import java.util.*;

/**
 * The control loop in one process, without Raft or HTTP, at scale: N nodes, one service of M replicas,
 * every command through the JSON codec and {@link StateMachine#apply} as in the log, a {@link ChangeTracker}
 * feeding scoped passes as in the leader loop, agents that report RUNNING at once. Prints the cost of
 * every pass, the heap per task after a full GC, and the snapshot size and time. Not a test: run it with
 * {@code java -cp ... io.flotilla.scheduler.ControlLoopScaleMain NODES TASKS} (see docs/benchmarks.md).
 */
public final class ControlLoopScaleMain {
    static ClusterState state = ClusterState.EMPTY;
    static long index;
    static ChangeTracker tracker = new ChangeTracker();
    static long logBytes, entries;
    static void apply(Command c) {
        byte[] encoded = Json.writeBytes(c);
        logBytes += encoded.length;
        entries++;
        Command decoded = Json.read(encoded, Command.class);
        StateMachine.Applied applied = StateMachine.applyWithChanges(state, ++index, decoded);
        state = applied.state();
        tracker.applied(applied.changes(), state);
    }
    public static void main(String[] args) throws Exception {
        int nodes = Integer.parseInt(args[0]), tasks = Integer.parseInt(args[1]);
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        List<Node> batch = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            batch.add(new Node("node-" + UUID.randomUUID(), new NodeSpec(NodeRole.WORKER, NodeAvailability.ACTIVE, Map.of()),
                new NodeStatus(NodeState.READY, "host" + i, "127.0.0.1", Resources.NONE, Set.of("process"), now, null)));
        }
        apply(new Command.UpsertNodes(batch));
        System.gc(); Thread.sleep(200);
        long base = used();
        ServiceSpec spec = new ServiceSpec("scale_sim", "scale", ServiceMode.REPLICATED, tasks,
                TaskTemplate.process(List.of("sleep", "infinity")).withRestartPolicy(new RestartPolicy(RestartPolicy.ANY, Duration.ZERO, null, null)),
                List.of(), List.of(), Map.of(), null, null);
        apply(new Command.CreateService("svc-1", spec, now));
        Orchestrator orch = new Orchestrator(() -> UUID.randomUUID().toString().replace("-", ""));
        Scheduler sched = new Scheduler();
        long t0 = System.nanoTime();
        int passes = 0;
        long reconcileNs = 0, placeNs = 0, applyNs = 0;
        while (true) {
            passes++;
            now = now.plusMillis(10);
            long a = System.nanoTime();
            ReconcileScope scope = tracker.drain();
            Orchestrator.Pass decided = orch.pass(state, now, scope);
            tracker.carry(decided.deferred()); // bounded creation: the rest of the slots in the next pass
            List<Command> r = decided.commands();
            long b = System.nanoTime();
            for (Command c : r) for (Command p : split(c)) apply(p);
            long c1 = System.nanoTime();
            List<Command> p = sched.place(state, now);
            long d = System.nanoTime();
            for (Command c : p) for (Command q : split(c)) apply(q);
            // agents: every ASSIGNED task reports RUNNING, per node batches
            List<Command.TaskStatusUpdate> ups = new ArrayList<>();
            for (Command c : p) if (c instanceof Command.AssignTasks at) for (var as : at.assignments())
                ups.add(new Command.TaskStatusUpdate(as.taskId(), new TaskStatus(TaskState.RUNNING, now, "running", null, null, null, null, Map.of(), null)));
            for (int i = 0; i < ups.size(); i += 5000) apply(new Command.UpdateTaskStatuses(null, ups.subList(i, Math.min(ups.size(), i + 5000))));
            long e = System.nanoTime();
            reconcileNs += b - a; placeNs += d - c1; applyNs += (c1 - b) + (e - d);
            System.out.printf("pass %d: scope %s: reconcile %d ms (%d cmds), place %d ms, apply %d ms%n", passes,
                scope.everything() ? "all" : scope.slotCount() + " slots", (b - a) / 1_000_000, r.size(), (d - c1) / 1_000_000, ((c1 - b) + (e - d)) / 1_000_000);
            if (r.isEmpty() && p.isEmpty()) break;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%d tasks on %d nodes: %.1f s (%d passes; reconcile %.1f s, place %.1f s, apply+codec %.1f s)%n", tasks, nodes, secs, passes, reconcileNs / 1e9, placeNs / 1e9, applyNs / 1e9);
        System.out.printf("log: %d entries, %d MB of commands (registration included)%n", entries, logBytes >> 20);
        long t1 = System.nanoTime();
        List<Command> full = orch.reconcile(state, now);
        System.out.printf("full pass at %d tasks: %d ms, %d commands%n", tasks, (System.nanoTime() - t1) / 1_000_000, full.size());
        tracker.drain();
        System.gc(); Thread.sleep(300); System.gc();
        long heap = used();
        System.out.printf("heap: %d MB, %.0f bytes/task over the %d MB baseline%n", heap >> 20, (heap - base) / (double) tasks, base >> 20);
        long t2 = System.nanoTime();
        byte[] snap = Json.writeBytes(StateSnapshot.of(state));
        long t3 = System.nanoTime();
        ClusterState back = Json.read(snap, StateSnapshot.class).toState();
        System.out.printf("snapshot: %d MB, write %d ms, read %d ms (%d tasks)%n", snap.length >> 20, (t3 - t2) / 1_000_000, (System.nanoTime() - t3) / 1_000_000, back.tasks().size());
    }
    static List<Command> split(Command c) {
        if (c instanceof Command.CreateTasks ct && ct.tasks().size() > 5000) { // as CommandBatches.MAX_TASKS
            List<Command> out = new ArrayList<>();
            for (int i = 0; i < ct.tasks().size(); i += 5000) out.add(new Command.CreateTasks(ct.tasks().subList(i, Math.min(i + 5000, ct.tasks().size()))));
            return out;
        }
        if (c instanceof Command.AssignTasks at && at.assignments().size() > 5000) {
            List<Command> out = new ArrayList<>();
            for (int i = 0; i < at.assignments().size(); i += 5000) out.add(new Command.AssignTasks(at.assignments().subList(i, Math.min(i + 5000, at.assignments().size())), at.at()));
            return out;
        }
        if (c instanceof Command.UpdateTaskStatuses u && u.updates().size() > 5000) {
            List<Command> out = new ArrayList<>();
            for (int i = 0; i < u.updates().size(); i += 5000) out.add(new Command.UpdateTaskStatuses(u.reporterNodeId(), u.updates().subList(i, Math.min(i + 5000, u.updates().size()))));
            return out;
        }
        return List.of(c);
    }
    static long used() { Runtime r = Runtime.getRuntime(); return r.totalMemory() - r.freeMemory(); }
}
