package io.flotilla.agent.driver.docker;

import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.ResourcesSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.Ulimit;
import io.flotilla.model.VolumeMount;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Docker tasks for tests. */
final class DockerTasks {
    static final String IMAGE = DockerTestEnvironment.IMAGE;

    private DockerTasks() {}

    static TaskTemplate template(String image, List<String> command) {
        return new TaskTemplate(TaskTemplate.DOCKER, image, command, List.of(), Map.of(), null, null, null, Map.of(),
                null, List.of(), null, null, null, null, Duration.ofSeconds(2), false, false, List.of(), List.of(),
                List.of(), Map.of(), null, List.of());
    }

    static TaskTemplate full() {
        return new TaskTemplate(TaskTemplate.DOCKER, IMAGE, List.of("httpd", "-f"), List.of("/bin/sh", "-c"),
                Map.of("MODE", "test"), "/www", "nobody", "web-host", Map.of("team", "a", ContainerLabels.TASK, "spoofed"),
                new HealthcheckSpec(List.of("CMD-SHELL", "true"), Duration.ofSeconds(2), Duration.ofSeconds(1), 2,
                        Duration.ofSeconds(5), null),
                List.of(new VolumeMount("volume", "teststack_data", "/data", false), new VolumeMount("bind", "/srv/x", "/x", true),
                        new VolumeMount("tmpfs", null, "/scratch", false), new VolumeMount("volume", null, "/anon", false)),
                new ResourcesSpec(new io.flotilla.model.Resources(1_500_000_000L, 64L << 20, 100),
                        new io.flotilla.model.Resources(0, 32L << 20, 0)),
                null, null, "SIGQUIT", Duration.ofMillis(2500), true, true, List.of("NET_ADMIN", "cap_sys_time"),
                List.of("ALL"), List.of("/run:size=1m", "/tmp"), Map.of("nofile", new Ulimit(1024, 2048)), "always",
                List.of());
    }

    /** A task assigned with {@code dependencyAddresses}, the scheduler's choice of its dependencies' endpoints. */
    static Task task(String id, TaskTemplate template, Map<String, String> dependencyAddresses) {
        return new Task(id, "svc-" + id, "teststack_web", 2, 1, "node-1", TaskState.RUNNING,
                TaskStatus.of(TaskState.ASSIGNED, Instant.now(), "assigned"), template, Instant.now(), null, 0,
                TaskAllocation.NONE.withDependencyAddresses(dependencyAddresses));
    }

    static Task withHealthcheck(Task task, HealthcheckSpec healthcheck) {
        return new Task(task.id(), task.serviceId(), task.serviceName(), task.slot(), task.serviceVersion(),
                task.nodeId(), task.desiredState(), task.status(), task.spec().withHealthcheck(healthcheck),
                task.createdAt(), task.notBefore(), task.restartCount(), task.allocation());
    }
}
