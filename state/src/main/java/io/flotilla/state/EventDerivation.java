package io.flotilla.state;

import io.flotilla.model.ClusterEvent;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeState;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.Volume;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The events of one log entry, from its command and the states before and after it (with what
 * apply says it changed): a pure function, so every manager derives the same events for the same
 * entry. Nodes first, then services, tasks, volumes and registrations, each in id order.
 *
 * <p>An entry derives at most {@link #MAX_PER_ENTRY} events; beyond that one {@code events.elided}
 * event says how many more there were (a node of 20,000 tasks going down would otherwise push the
 * whole history out of the retained window).
 */
final class EventDerivation {
    static final int MAX_PER_ENTRY = 1_000;

    private final long index;
    private final Instant commandTime;
    private final Instant fallback;
    private final List<ClusterEvent> events = new ArrayList<>();
    private int elided;

    private EventDerivation(long index, Instant commandTime, Instant fallback) {
        this.index = index;
        this.commandTime = commandTime;
        this.fallback = fallback;
    }

    static List<ClusterEvent> derive(ClusterState before, Command command, ClusterState after, Changes changes, long index) {
        EventDerivation d = new EventDerivation(index, timeOf(command), before.events().lastTime());
        switch (command) {
            case Command.LeaderChanged c -> d.add("leader.changed", null, null, null, c.leaderId(), null,
                    "manager " + c.leaderId() + " leads (term " + c.term() + ")", Map.of("term", Long.toString(c.term())));
            case Command.RecordAudit c -> d.add("audit", null, null, null, null, null,
                    c.actor() + " " + c.action() + (c.target() == null ? "" : " " + c.target())
                            + (c.detail() == null ? "" : ": " + c.detail()),
                    attributes("actor", c.actor(), "action", c.action(), "target", c.target(), "detail", c.detail()));
            default -> { }
        }
        for (String id : new TreeSet<>(changes.nodes())) {
            d.node(before.node(id).orElse(null), after.node(id).orElse(null), id);
        }
        for (String id : new TreeSet<>(changes.services())) {
            d.service(command, before.service(id).orElse(null), after.service(id).orElse(null));
        }
        for (String id : new TreeSet<>(changes.tasks())) {
            Task now = after.task(id).orElse(null);
            if (now != null) {
                d.task(before, after, before.task(id).orElse(null), now);
            }
        }
        for (String name : new TreeSet<>(changes.volumes())) {
            d.volume(before.volume(name).orElse(null), after.volume(name).orElse(null));
        }
        if (command instanceof Command.DeregisterEndpoints c && "expired".equals(c.reason())) {
            for (String id : new TreeSet<>(changes.registrations())) {
                before.registrations().get(id).filter(r -> after.registrations().get(id).isEmpty())
                        .ifPresent(r -> d.add("registration.expired", null, r.stack(), r.service(), null, null,
                                "registration " + id + " of " + r.service() + " expired (not renewed within "
                                        + r.ttl() + ")", attributes("registration", id, "address", r.address())));
            }
        }
        return d.finish();
    }

    private void node(Node was, Node now, String id) {
        if (was == null && now != null) {
            add("node.joined", null, null, null, id, null, "node " + id + " joined" + as(now),
                    attributes("hostname", now.status().hostname(), "address", now.status().address(),
                            "role", now.spec().role().name().toLowerCase(java.util.Locale.ROOT)));
        } else if (was != null && now == null) {
            add("node.removed", null, null, null, id, null, "node " + id + " was removed" + as(was), Map.of());
        } else if (was != null) {
            NodeState from = was.status().state();
            NodeState to = now.status().state();
            if (to == NodeState.DOWN && from != NodeState.DOWN) {
                add("node.down", now.status().since(), null, null, id, null, "node " + id + " is down"
                        + (now.status().message() == null ? "" : ": " + now.status().message()), Map.of());
            } else if (from == NodeState.DOWN && to == NodeState.READY) {
                add("node.back", now.status().since(), null, null, id, null, "node " + id + " is back", Map.of());
            }
            if (now.spec().availability() == NodeAvailability.DRAIN && was.spec().availability() != NodeAvailability.DRAIN) {
                add("node.drained", null, null, null, id, null, "node " + id + " is drained: its tasks move off", Map.of());
            }
        }
    }

    private static String as(Node node) {
        return node.status().hostname() == null ? "" : " (" + node.status().hostname() + ")";
    }

    private void service(Command command, Service was, Service now) {
        Service named = now != null ? now : was;
        String stack = named.spec().stack();
        String name = named.spec().name();
        if (was == null && now != null) {
            add("service.created", null, stack, name, null, null, "service " + name + " created",
                    attributes("id", now.id(), "replicas", Integer.toString(now.spec().replicas())));
            return;
        }
        if (now == null) {
            add("service.removed", null, stack, name, null, null, "service " + name + " removed", attributes("id", was.id()));
            return;
        }
        if (command instanceof Command.RollbackService c && now.version() > was.version()) {
            add("service.rolled_back", null, stack, name, null, null, "service " + name + " rolled back to its previous spec"
                    + (c.reason() == null ? "" : ": " + c.reason()), attributes("version", Long.toString(now.version()),
                    "reason", c.reason()));
        } else if (!now.spec().equals(was.spec()) || now.version() != was.version()) {
            boolean onlyReplicas = now.spec().equals(was.spec().withReplicas(now.spec().replicas()))
                    && now.version() == was.version();
            if (onlyReplicas) {
                add("service.scaled", null, stack, name, null, null, "service " + name + " scaled from "
                        + was.spec().replicas() + " to " + now.spec().replicas(),
                        attributes("from", Integer.toString(was.spec().replicas()), "to", Integer.toString(now.spec().replicas())));
            } else {
                add("service.updated", null, stack, name, null, null, "service " + name + " updated"
                        + (now.version() != was.version() ? " to version " + now.version() : ""),
                        attributes("version", Long.toString(now.version())));
            }
        }
        ServiceUpdateStatus status = now.updateStatus();
        ServiceUpdateStatus.State wasState = was.updateStatus() == null ? null : was.updateStatus().state();
        if (status != null && status.state() != wasState && !(command instanceof Command.RollbackService)) {
            if (status.state().paused()) {
                add("service.update_paused", null, stack, name, null, null, "update of " + name + " paused"
                        + (status.message() == null ? "" : ": " + status.message()),
                        attributes("state", status.state().displayName(), "reason", status.message()));
            } else if (status.completedAt() != null) {
                add("service.update_completed", status.completedAt(), stack, name, null, null,
                        (status.state().rollback() ? "rollback of " : "update of ") + name + " completed",
                        attributes("state", status.state().displayName()));
            }
        }
    }

    private void task(ClusterState before, ClusterState after, Task was, Task now) {
        Service service = after.service(now.serviceId()).or(() -> before.service(now.serviceId())).orElse(null);
        String stack = service == null ? null : service.spec().stack();
        String name = now.serviceName() != null ? now.serviceName() : service == null ? null : service.spec().name();
        String label = name == null ? "task " + now.id() : name + "." + (now.slot() > 0 ? now.slot() : now.nodeId());
        if (was == null) {
            Task previous = null;
            for (Task other : before.tasksOfSlot(now.serviceId(), ClusterState.slotKey(now))) {
                if (previous == null || other.createdAt().isAfter(previous.createdAt())) {
                    previous = other;
                }
            }
            if (previous != null) {
                add("task.replaced", now.createdAt(), stack, name, now.nodeId(), now.id(), label + ": task " + now.id()
                        + " replaces " + previous.id(), attributes("replaces", previous.id(),
                        "reason", previous.status().error() != null ? previous.status().error() : previous.status().state().displayName()));
            }
            if (now.state() != TaskState.ASSIGNED) {
                return;
            }
        }
        TaskState from = was == null ? null : was.state();
        TaskState to = now.state();
        if (from == to) {
            return;
        }
        Instant at = now.status().timestamp();
        switch (to) {
            case ASSIGNED -> {
                add("task.assigned", at, stack, name, now.nodeId(), now.id(), label + " assigned to node " + now.nodeId(),
                        attributes("slot", Integer.toString(now.slot())));
                if (now.allocation().fenced()) {
                    add("task.fenced", at, stack, name, now.nodeId(), now.id(), label
                            + " is fenced: it runs only while node " + now.nodeId() + " holds its lease", Map.of());
                }
            }
            case RUNNING -> add("task.running", at, stack, name, now.nodeId(), now.id(), label + " is running on node "
                    + now.nodeId(), Map.of());
            case FAILED, REJECTED -> add("task." + to.displayName(), at, stack, name, now.nodeId(), now.id(), label + " "
                    + to.displayName() + (now.status().error() == null ? "" : ": " + now.status().error()),
                    attributes("error", now.status().error(), "exitCode",
                            now.status().exitCode() == null ? null : now.status().exitCode().toString()));
            case ORPHANED -> add("task.orphaned", at, stack, name, now.nodeId(), now.id(), label + " orphaned"
                    + (now.status().message() == null ? "" : ": " + now.status().message()), Map.of());
            default -> { }
        }
    }

    private void volume(Volume was, Volume now) {
        if (now != null && now.nodeId() != null && (was == null || !now.nodeId().equals(was.nodeId()))) {
            add("volume.bound", was == null ? now.createdAt() : null, now.stack(), now.service(), now.nodeId(), null, "volume " + now.name() + " bound to node " + now.nodeId()
                            + (was != null && was.nodeId() != null ? " (was on " + was.nodeId() + ")" : ""),
                    attributes("volume", now.name(), "previousNode", was == null ? null : was.nodeId()));
        }
    }

    private void add(String type, Instant time, String stack, String service, String node, String task, String message,
                     Map<String, String> attributes) {
        if (events.size() >= MAX_PER_ENTRY) {
            elided++;
            return;
        }
        Instant at = time != null ? time : commandTime != null ? commandTime : fallback;
        events.add(new ClusterEvent(index, events.size(), at, type, stack, service, node, task, message, attributes));
    }

    private List<ClusterEvent> finish() {
        if (elided > 0) {
            Instant at = commandTime != null ? commandTime : events.getLast().time();
            events.add(new ClusterEvent(index, events.size(), at, "events.elided", null, null, null, null,
                    elided + " more events of this entry were not kept", Map.of("count", Integer.toString(elided))));
        }
        return events;
    }

    /** Attributes from name/value pairs; null values are left out. */
    private static Map<String, String> attributes(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                map.put(pairs[i], pairs[i + 1]);
            }
        }
        return map;
    }

    /** The instant the command carries for the whole entry, or null. */
    static Instant timeOf(Command command) {
        return switch (command) {
            case Command.DeployStack c -> c.at();
            case Command.RemoveStack c -> c.at();
            case Command.CreateService c -> c.at();
            case Command.UpdateService c -> c.at();
            case Command.RollbackService c -> c.at();
            case Command.RebalanceService c -> c.at();
            case Command.RemoveService c -> c.at();
            case Command.ScaleService c -> c.at();
            case Command.SetDesiredStates c -> c.at();
            case Command.AssignTasks c -> c.at();
            case Command.SetNodeStates c -> c.at();
            case Command.UpdateNodeSpec c -> c.at();
            case Command.PatchNodeSpec c -> c.at();
            case Command.RemoveNode c -> c.at();
            case Command.DeregisterEndpoints c -> c.at();
            case Command.RemoveVolumes c -> c.at();
            case Command.LeaderChanged c -> c.at();
            case Command.RecordAudit c -> c.at();
            case Command.UpsertNode c -> c.node().status().since();
            case Command.UpsertNodes c -> c.nodes().isEmpty() ? null : c.nodes().getLast().status().since();
            default -> null;
        };
    }
}
