package io.flotilla.scheduler;

import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.VolumeMount;
import java.time.Duration;
import java.util.Map;

/**
 * Which tasks must never run twice, and what their assignment tells the agent (the fencing
 * contract between the managers and the agents, docs/stateful.md).
 *
 * <p>A task is <em>fenced</em> when its service is stateful, or when it mounts a named volume
 * whose driver is not node-local (glusterfs: the data is reachable from every node, so a copy
 * started elsewhere while the old one still runs would write the same files). A fenced task on a
 * lost node is replaced only once that node's lease has surely expired, and then its agent's
 * watchdog has killed it; a new fenced task of a slot is placed only once every other task of the
 * slot has ended. Stateless tasks keep the fast failover.
 */
public final class Fencing {
    private Fencing() {}

    /** The lease a leader grants agents with each answered status report, unless configured otherwise. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(5);
    /** Added to the lease before a lost node's fenced tasks are given up (clock drift, the answer's travel). */
    public static final Duration MARGIN = Duration.ofSeconds(1);

    /** True when a task of this template in a service with this spec must never run twice. */
    public static boolean fenced(ServiceSpec spec, TaskTemplate template) {
        if (spec != null && spec.stateful()) {
            return true;
        }
        for (VolumeMount mount : template.volumes()) {
            if (mount.named() && !mount.options().nodeLocal()) {
                return true;
            }
        }
        return false;
    }

    /** As {@link #fenced(ServiceSpec, TaskTemplate)}; {@code service} null (removed) looks at the template only. */
    public static boolean fenced(Service service, Task task) {
        return fenced(service == null ? null : service.spec(), task.spec());
    }

    /**
     * The decision recorded with the task's assignment: fenced (its agent arms its dead man's
     * switch) and, for a stateful service's task, volumes of its own slot (the slot's number and
     * stable name follow from the task and its service: the dispatcher puts them in the
     * assignment it sends). {@link TaskAllocation#NONE} for a task that is not fenced.
     */
    static TaskAllocation allocation(Service service, Task task) {
        if (!fenced(service, task)) {
            return TaskAllocation.NONE;
        }
        return new TaskAllocation(true, service.spec().stateful() && task.slot() > 0, Map.of());
    }

    /** {@code <short>-<slot>.<short>.<stack>.flotilla}, or {@code <name>-<slot>.<name>.flotilla} outside a stack. */
    public static String slotName(ServiceSpec spec, int slot) {
        String shortName = spec.shortName();
        String service = spec.stack() == null ? shortName : shortName + "." + spec.stack();
        return shortName + "-" + slot + "." + service + ".flotilla";
    }
}
