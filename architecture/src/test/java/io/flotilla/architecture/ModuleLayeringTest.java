package io.flotilla.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.ArrayList;
import java.util.List;

/**
 * Which module may use which: DESIGN.md's "lower modules never import higher ones; model imports
 * none", as an allow-list per module (Kafka's import-control, Nomad's {@code make check}). Every
 * module may use {@code model}, the vocabulary; beyond it, the modules its pom declares; cli, the
 * binary, any. A module is one line of {@link #MODULES}; a class under {@code io.flotilla} that
 * no line claims fails the build, so a new module cannot slip past the table.
 */
@AnalyzeClasses(packages = "io.flotilla", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleLayeringTest {

    /**
     * Each module, its packages, and the modules it may use. A class belongs to the first line
     * whose packages hold it (discovery-client's {@code io.flotilla.discovery.client} is listed
     * before discovery's {@code io.flotilla.discovery..}).
     */
    static final List<Module> MODULES = List.of(
            //     module              packages                           may use
            module("model",            "io.flotilla.model.."),
            module("security",         "io.flotilla.security..",          "model"),
            module("compose",          "io.flotilla.compose..",           "model"),
            module("state",            "io.flotilla.state..",             "model"),
            module("discovery-client", "io.flotilla.discovery.client.."),
            module("discovery",        "io.flotilla.discovery..",         "model", "state"),
            module("mesh",             "io.flotilla.mesh..",              "model"),
            module("scheduler",        "io.flotilla.scheduler..",         "model", "state"),
            // The overlay's kernel side (bridges, VXLAN, iptables, task namespaces); the agent and the node use it.
            module("network",          "io.flotilla.network..",           "model"),
            // The agent attaches process tasks' namespaces to their networks through the data plane.
            module("agent",            "io.flotilla.agent..",             "model", "network"),
            // The dashboard's page: files under io/flotilla/dashboard/ui built by Vite, no classes (yet).
            optional("dashboard-ui",   "io.flotilla.dashboard.."),
            module("manager",          "io.flotilla.manager..",           "model", "security", "state", "discovery", "scheduler"),
            // The client library speaks the API's vocabulary (and the cluster's TLS): no server types.
            module("client",           "io.flotilla.client..",            "model", "security"),
            // The daemon: the composition of the manager role, the agent, DNS, mesh, relay, renewal, the overlay.
            module("node",             "io.flotilla.node..",              "model", "security", "state", "discovery",
                    "mesh", "client", "agent", "manager", "network"),
            // The demo apps run as tasks: the product's discovery client only.
            module("demo",             "io.flotilla.demo..",              "discovery-client"),
            // The binary follows deploys and updates through the API (GET /v1/progress), not the server's state.
            module("cli",              "io.flotilla.cli..",               "model", "security", "compose",
                    "discovery-client", "discovery", "client", "agent", "manager", "node", "demo"),
            module("bench",            "io.flotilla.bench..",             "model", "security", "compose", "state",
                    "discovery-client", "discovery", "mesh", "client", "agent", "manager", "node", "cli"));

    @ArchTest
    static final ArchRule modules_use_only_the_modules_below_them_that_they_declare = layering(MODULES);

    /** The server's storage types (ClusterState, snapshots) stay on the server: a client reads the API. */
    @ArchTest
    static final ArchRule the_client_does_not_use_the_servers_storage_types = noClasses()
            .that().resideInAPackage("io.flotilla.client..")
            .should().dependOnClassesThat().resideInAPackage("io.flotilla.state..")
            .because("the client speaks the API (io.flotilla.model), not the manager's state");

    /**
     * Only the node makes the Prometheus registry (docs/metrics.md): every part below it records on
     * the micrometer-core {@code MeterRegistry} it is handed, so one registry per process serves all.
     */
    @ArchTest
    static final ArchRule only_the_node_knows_prometheus = noClasses()
            .that().resideOutsideOfPackages("io.flotilla.node..", "io.flotilla.cli..", "io.flotilla.bench..")
            .should().dependOnClassesThat().resideInAPackage("io.micrometer.prometheusmetrics..")
            .because("lower modules take a MeterRegistry (micrometer-core); the node's NodeMetrics is the one Prometheus registry");

    /** One row of the table: a module, its packages, the modules it may use, whether it may be absent. */
    record Module(String name, String packages, boolean optional, List<String> uses) {}

    static Module module(String name, String packages, String... uses) {
        return new Module(name, packages, false, List.of(uses));
    }

    static Module optional(String name, String packages, String... uses) {
        return new Module(name, packages, true, List.of(uses));
    }

    static LayeredArchitecture layering(List<Module> modules) {
        LayeredArchitecture architecture = layeredArchitecture().consideringOnlyDependenciesInLayers();
        List<String> claimed = new ArrayList<>();
        for (Module module : modules) {
            DescribedPredicate<JavaClass> classes = resideInAPackage(module.packages());
            if (!claimed.isEmpty()) {
                classes = classes.and(DescribedPredicate.not(resideInAnyPackage(claimed.toArray(String[]::new))));
            }
            classes = classes.as(module.packages());
            architecture = module.optional()
                    ? architecture.optionalLayer(module.name()).definedBy(classes)
                    : architecture.layer(module.name()).definedBy(classes);
            claimed.add(module.packages());
        }
        for (Module module : modules) {
            architecture = module.uses().isEmpty()
                    ? architecture.whereLayer(module.name()).mayNotAccessAnyLayer()
                    : architecture.whereLayer(module.name()).mayOnlyAccessLayers(module.uses().toArray(String[]::new));
        }
        return architecture.ensureAllClassesAreContainedInArchitecture()
                .as("modules use only the modules below them that they declare (a new module: one line in ModuleLayeringTest.MODULES)");
    }
}
