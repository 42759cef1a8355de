package io.flotilla.compose;

import io.flotilla.model.PlacementSpec;
import io.flotilla.model.Resources;
import io.flotilla.model.ResourcesSpec;
import io.flotilla.model.RestartPolicy;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.UpdateConfig;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parts of a service under {@code deploy:} (and the service-level {@code restart:} that
 * stands in for {@code deploy.restart_policy} when it is absent).
 */
final class DeployMapper {
    private static final BigDecimal NANOS_PER_CPU = BigDecimal.valueOf(1_000_000_000L);
    private static final Set<String> FAILURE_ACTIONS = Set.of("continue", "rollback", "pause");
    private static final Set<String> ORDERS = Set.of("start-first", "stop-first");

    private DeployMapper() {}

    static ServiceMode mode(ComposeNode deploy, MappingContext context) throws ComposeException {
        ComposeNode mode = deploy.get("mode");
        String text = mode.isPresent() ? mode.text() : "replicated";
        return switch (text) {
            case "replicated" -> ServiceMode.REPLICATED;
            case "global" -> ServiceMode.GLOBAL;
            case "replicated-job", "global-job" -> {
                context.warn(mode.path().key() + ": " + text + " is not supported; the service runs as "
                        + (text.startsWith("global") ? "global" : "replicated") + " (restarted when it exits)");
                yield text.startsWith("global") ? ServiceMode.GLOBAL : ServiceMode.REPLICATED;
            }
            default -> throw mode.error("deploy mode must be replicated or global, not \"" + text + "\"");
        };
    }

    static int replicas(ComposeNode service, ComposeNode deploy) throws ComposeException {
        ComposeNode replicas = deploy.get("replicas");
        if (!replicas.isPresent()) {
            replicas = service.get("scale");
        }
        if (!replicas.isPresent()) {
            return 1;
        }
        int count = replicas.intValue();
        if (count < 0) {
            throw replicas.error("replicas must not be negative: " + count);
        }
        return count;
    }

    static PlacementSpec placement(ComposeNode deploy) throws ComposeException {
        ComposeNode placement = deploy.get("placement");
        if (!placement.isPresent()) {
            return PlacementSpec.NONE;
        }
        List<String> constraints = new ArrayList<>();
        for (ComposeNode constraint : placement.get("constraints").items()) {
            constraints.add(constraint.text());
        }
        List<String> spreads = new ArrayList<>();
        for (ComposeNode preference : placement.get("preferences").items()) {
            ComposeNode spread = preference.get("spread");
            if (!spread.isPresent()) {
                throw preference.error("a placement preference must be {spread: <label>}");
            }
            spreads.add(spread.text());
        }
        Integer maxPerNode = placement.get("max_replicas_per_node").intOrNull();
        if (maxPerNode != null && maxPerNode <= 0) {
            maxPerNode = null;
        }
        return new PlacementSpec(constraints, spreads, maxPerNode);
    }

    static ResourcesSpec resources(ComposeNode deploy, MappingContext context) throws ComposeException {
        ComposeNode resources = deploy.get("resources");
        if (!resources.isPresent()) {
            return ResourcesSpec.NONE;
        }
        return new ResourcesSpec(amounts(resources.get("limits"), context),
                amounts(resources.get("reservations"), context));
    }

    private static Resources amounts(ComposeNode amounts, MappingContext context) throws ComposeException {
        if (!amounts.isPresent()) {
            return Resources.NONE;
        }
        long nanoCpus = 0;
        ComposeNode cpus = amounts.get("cpus");
        if (cpus.isPresent()) {
            BigDecimal count = cpus.decimal();
            if (count.signum() < 0) {
                throw cpus.error("cpus must not be negative");
            }
            nanoCpus = count.multiply(NANOS_PER_CPU).longValue();
        }
        long memory = ByteSizeParser.parse(amounts.get("memory"));
        ComposeNode pidsNode = amounts.get("pids");
        long pids = pidsNode.isPresent() ? pidsNode.longValue() : 0;
        if (pids < 0) {
            pids = 0;
        }
        for (String option : List.of("devices", "generic_resources")) {
            if (amounts.get(option).isPresent()) {
                context.unsupported("deploy.resources." + option);
            }
        }
        return new Resources(nanoCpus, memory, pids);
    }

    static RestartPolicy restartPolicy(ComposeNode service, ComposeNode deploy) throws ComposeException {
        ComposeNode policy = deploy.get("restart_policy");
        if (policy.isPresent()) {
            ComposeNode conditionNode = policy.get("condition");
            String condition = conditionNode.isPresent() ? conditionNode.text() : RestartPolicy.ANY;
            if (!Set.of(RestartPolicy.ANY, RestartPolicy.ON_FAILURE, RestartPolicy.NONE).contains(condition)) {
                throw conditionNode.error("restart condition must be none, on-failure or any, not \"" + condition + "\"");
            }
            Integer maxAttempts = policy.get("max_attempts").intOrNull();
            if (maxAttempts != null && maxAttempts <= 0) {
                maxAttempts = null;
            }
            return new RestartPolicy(condition, DurationParser.parse(policy.get("delay")), maxAttempts,
                    DurationParser.parse(policy.get("window")));
        }
        ComposeNode restart = service.get("restart");
        if (!restart.isPresent()) {
            return RestartPolicy.DEFAULT;
        }
        String text = restart.text().strip();
        if (text.equals("no")) {
            return new RestartPolicy(RestartPolicy.NONE, null, null, null);
        }
        if (text.equals("always") || text.equals("unless-stopped")) {
            return new RestartPolicy(RestartPolicy.ANY, null, null, null);
        }
        if (text.equals("on-failure")) {
            return new RestartPolicy(RestartPolicy.ON_FAILURE, null, null, null);
        }
        if (text.startsWith("on-failure:")) {
            try {
                int attempts = Integer.parseInt(text.substring("on-failure:".length()));
                return new RestartPolicy(RestartPolicy.ON_FAILURE, null, attempts > 0 ? attempts : null, null);
            } catch (NumberFormatException e) {
                throw restart.error("invalid restart \"" + text + "\": on-failure takes a number of attempts");
            }
        }
        throw restart.error("restart must be no, always, on-failure[:N] or unless-stopped, not \"" + text + "\"");
    }

    static UpdateConfig updateConfig(ComposeNode config) throws ComposeException {
        if (!config.isPresent()) {
            return UpdateConfig.DEFAULT;
        }
        ComposeNode parallelismNode = config.get("parallelism");
        int parallelism = parallelismNode.isPresent() ? parallelismNode.intValue() : UpdateConfig.DEFAULT.parallelism();
        if (parallelism < 0) {
            throw parallelismNode.error("parallelism must not be negative");
        }
        String failureAction = oneOf(config.get("failure_action"), FAILURE_ACTIONS);
        String order = oneOf(config.get("order"), ORDERS);
        ComposeNode ratioNode = config.get("max_failure_ratio");
        double ratio = ratioNode.isPresent() ? ratioNode.decimal().doubleValue() : 0;
        Duration delay = DurationParser.parse(config.get("delay"));
        Duration monitor = DurationParser.parse(config.get("monitor"));
        return new UpdateConfig(parallelism, delay, failureAction, monitor, ratio, order);
    }

    private static String oneOf(ComposeNode node, Set<String> allowed) throws ComposeException {
        if (!node.isPresent()) {
            return null;
        }
        String text = node.text();
        if (!allowed.contains(text)) {
            throw node.error("must be one of " + String.join(", ", new java.util.TreeSet<>(allowed))
                    + ", not \"" + text + "\"");
        }
        return text;
    }

    static Map<String, String> labels(ComposeNode deploy) throws ComposeException {
        return EnvironmentResolver.keyValues(deploy.get("labels"), null);
    }

    static void reportUnsupported(ComposeNode deploy, MappingContext context) throws ComposeException {
        // every deploy key is acted on (endpoint_mode too: see endpointMode)
    }

    /** {@code deploy.endpoint_mode}: vip (default, as in Swarm) or dnsrr. */
    static String endpointMode(ComposeNode deploy) throws ComposeException {
        ComposeNode node = deploy.get("endpoint_mode");
        if (!node.isPresent()) {
            return null;
        }
        return oneOf(node, java.util.Set.of(ServiceSpec.VIP, ServiceSpec.DNSRR));
    }
}
