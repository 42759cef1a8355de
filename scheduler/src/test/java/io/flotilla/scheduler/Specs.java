package io.flotilla.scheduler;

import io.flotilla.model.DependencySpec;
import io.flotilla.model.PlacementSpec;
import io.flotilla.model.PortSpec;
import io.flotilla.model.ResourcesSpec;
import io.flotilla.model.RestartPolicy;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.UpdateConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Small builders for test specs. */
final class Specs {
    private Specs() {}

    static ServiceSpec replicated(String name, int replicas) {
        return ServiceSpec.process(name, replicas, List.of("sleep", "1000"));
    }

    static ServiceSpec global(String name) {
        ServiceSpec spec = replicated(name, 0);
        return new ServiceSpec(spec.name(), null, ServiceMode.GLOBAL, 0, spec.task(), List.of(), List.of(), Map.of(),
                null, null);
    }

    static ServiceSpec stacked(String stack, String shortName, int replicas) {
        ServiceSpec spec = replicated(stack + "_" + shortName, replicas);
        return new ServiceSpec(spec.name(), stack, ServiceMode.REPLICATED, replicas, spec.task(), List.of(), List.of(),
                Map.of(), null, null);
    }

    static ServiceSpec restart(ServiceSpec spec, String condition, Duration delay, Integer maxAttempts, Duration window) {
        return spec.withTask(spec.task().withRestartPolicy(new RestartPolicy(condition, delay, maxAttempts, window)));
    }

    static ServiceSpec placement(ServiceSpec spec, List<String> constraints, List<String> spread, Integer maxPerNode) {
        return spec.withTask(spec.task().withPlacement(new PlacementSpec(constraints, spread, maxPerNode)));
    }

    static ServiceSpec reserve(ServiceSpec spec, io.flotilla.model.Resources reservations) {
        return spec.withTask(spec.task().withResources(new ResourcesSpec(null, reservations)));
    }

    static ServiceSpec update(ServiceSpec spec, int parallelism, Duration delay, String order) {
        return new ServiceSpec(spec.name(), spec.stack(), spec.mode(), spec.replicas(), spec.task(), spec.ports(),
                spec.dependsOn(), spec.labels(), new UpdateConfig(parallelism, delay, "pause", null, 0, order), null);
    }

    static ServiceSpec update(ServiceSpec spec, UpdateConfig update) {
        return new ServiceSpec(spec.name(), spec.stack(), spec.mode(), spec.replicas(), spec.task(), spec.ports(),
                spec.dependsOn(), spec.labels(), update, spec.rollbackConfig());
    }

    static ServiceSpec rollback(ServiceSpec spec, UpdateConfig rollback) {
        return new ServiceSpec(spec.name(), spec.stack(), spec.mode(), spec.replicas(), spec.task(), spec.ports(),
                spec.dependsOn(), spec.labels(), spec.updateConfig(), rollback);
    }

    static ServiceSpec labels(ServiceSpec spec, Map<String, String> labels) {
        return new ServiceSpec(spec.name(), spec.stack(), spec.mode(), spec.replicas(), spec.task(), spec.ports(),
                spec.dependsOn(), labels, spec.updateConfig(), spec.rollbackConfig());
    }

    static ServiceSpec hostPort(ServiceSpec spec, int port) {
        return spec.withPorts(List.of(new PortSpec("http", 8080, port, "tcp", "host")));
    }

    static ServiceSpec ports(ServiceSpec spec, String... names) {
        return spec.withPorts(java.util.Arrays.stream(names).map(n -> new PortSpec(n, 80, null, null, null)).toList());
    }

    static ServiceSpec dependsOn(ServiceSpec spec, String shortName, String condition) {
        return spec.withDependsOn(List.of(new DependencySpec(shortName, condition, true)));
    }

    static ServiceSpec image(ServiceSpec spec, String image) {
        return spec.withTask(spec.task().withImage(image));
    }

    static TaskTemplate template(ServiceSpec spec) {
        return spec.task();
    }
}
