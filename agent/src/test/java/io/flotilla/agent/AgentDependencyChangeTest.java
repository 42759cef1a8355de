package io.flotilla.agent;

import static io.flotilla.agent.TestTasks.NODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.model.DiscoverySpec;
import io.flotilla.model.DiscoverySpec.OnDependencyChange;
import io.flotilla.model.Resources;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running task whose dependency's endpoints change is told per its policy — with real
 * processes (sh) and a fake manager that sends the dependencies' endpoints with the set.
 */
class AgentDependencyChangeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Assignment DEPENDS = new Assignment(List.of(), false, dependsOn(), false);

    private static Map<String, String> dependsOn() {
        Map<String, String> dependencies = new LinkedHashMap<>();
        dependencies.put("DB", "shop_db");
        dependencies.put("BILLING_API", "billing_api");
        return dependencies;
    }

    @TempDir
    Path dataDir;
    @TempDir
    Path scratch;

    private FakeManagerChannel manager;
    private Agent agent;

    @BeforeEach
    void startAgent() {
        manager = new FakeManagerChannel(NODE);
        manager.dependencies(Map.of("shop_db", List.of("10.0.0.1:5432", "10.0.0.2:5432"),
                "billing_api", List.of("10.0.0.9:80")));
        agent = new Agent(new AgentConfig(NODE, "host-1", "127.0.0.1", dataDir, new Resources(2_000_000_000L,
                1L << 30, 0), Set.of("process"), Duration.ofMillis(100)), manager, Clock.systemUTC());
        agent.start();
    }

    @AfterEach
    void stopEverything() {
        agent.close();
        TestTasks.killAll(dataDir);
    }

    private Task task(String id, String script, OnDependencyChange policy) {
        TaskTemplate template = TaskTemplate.process(List.of("/bin/sh", "-c", script))
                .withEnvironment(Map.of("OUT", scratch.toString()))
                .withDiscovery(new DiscoverySpec(List.of("billing_api"), policy));
        return TestTasks.task(id, template, Map.of());
    }

    private TaskStatus awaitRunning(String id) {
        await().atMost(TIMEOUT).until(() -> manager.latest(id).map(TaskStatus::state).orElse(null)
                == TaskState.RUNNING);
        return manager.latest(id).orElseThrow();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void startsWithEveryEndpointOfItsDependencies() {
        manager.assign(Map.of("env", DEPENDS), task("env",
                "env > \"$OUT/env.tmp\" && mv \"$OUT/env.tmp\" \"$OUT/env\"; exec sleep 300", new OnDependencyChange.Ignore()));
        awaitRunning("env");
        await().atMost(TIMEOUT).until(() -> !read(scratch.resolve("env")).isEmpty());
        assertThat(read(scratch.resolve("env")).lines()).contains("DB_ENDPOINTS=10.0.0.1:5432,10.0.0.2:5432",
                "DB_HOST=10.0.0.2", "DB_PORT=5432", // slot 1 of 2 endpoints
                "BILLING_API_ENDPOINTS=10.0.0.9:80", "BILLING_API_HOST=10.0.0.9", "BILLING_API_PORT=80",
                "FLOTILLA_DEPENDENCIES=DB=shop_db,BILLING_API=billing_api"); // what tasks always saw
    }

    @Test
    void signalPolicySendsTheSignalOnceTheChangeSettles() {
        manager.assign(Map.of("sig", DEPENDS), task("sig", "trap 'cat \"$FLOTILLA_DEPENDENCIES_FILE\" >> \"$OUT/hup\"' HUP; "
                + ": > \"$OUT/trap-set\"; while :; do sleep 0.1; done", new OnDependencyChange.Signal("SIGHUP")));
        long pid = awaitRunning("sig").pid();
        // RUNNING is the process started, not its trap set: a SIGHUP before that kills the shell
        await().atMost(TIMEOUT).until(() -> java.nio.file.Files.exists(scratch.resolve("trap-set")));

        // a rolling change: three sets in quick succession make one signal
        manager.dependencies(Map.of("shop_db", List.of("10.0.0.2:5432"), "billing_api", List.of("10.0.0.9:80")));
        manager.dependencies(Map.of("shop_db", List.of("10.0.0.2:5432", "10.0.0.3:5432"),
                "billing_api", List.of("10.0.0.9:80")));
        manager.dependencies(Map.of("shop_db", List.of("10.0.0.3:5432"), "billing_api", List.of("10.0.0.9:80")));

        await().atMost(TIMEOUT).until(() -> read(scratch.resolve("hup")).contains("DB_ENDPOINTS=10.0.0.3:5432"));
        sleepPastDebounce();
        assertThat(read(scratch.resolve("hup")).lines().filter(line -> line.startsWith("DB_ENDPOINTS="))).hasSize(1);
        assertThat(manager.latest("sig").orElseThrow().pid()).isEqualTo(pid);
    }

    @Test
    void execPolicyRunsTheCommandWithTheNewValuesIntoTheTaskLog() throws IOException {
        Path script = scratch.resolve("reload.sh");
        Files.writeString(script, "#!/bin/sh\necho \"reload $FLOTILLA_DEPENDENCY $BILLING_API_ENDPOINTS"
                + " $BILLING_API_HOST:$BILLING_API_PORT in $(pwd)\" | tee \"$OUT/exec\"\n");
        script.toFile().setExecutable(true);
        manager.assign(Map.of("exec", DEPENDS), task("exec", "exec sleep 300", new OnDependencyChange.Exec(List.of(script.toString()))));
        awaitRunning("exec");

        manager.dependencies(Map.of("shop_db", List.of("10.0.0.1:5432", "10.0.0.2:5432"),
                "billing_api", List.of("10.0.0.7:81")));

        await().atMost(TIMEOUT).until(() -> !read(scratch.resolve("exec")).isEmpty());
        assertThat(read(scratch.resolve("exec"))).startsWith("reload billing_api 10.0.0.7:81 10.0.0.7:81 in "
                + dataDir.resolve("tasks/exec/work"));
        await().atMost(TIMEOUT).until(() -> read(dataDir.resolve("tasks/exec/output.log"))
                .contains("exited with code 0"));
        assertThat(read(dataDir.resolve("tasks/exec/output.log")))
                .contains("[flotilla] dependency billing_api changed: running " + script)
                .contains("reload billing_api 10.0.0.7:81");
    }

    @Test
    void restartPolicyStartsTheProcessAgainWithTheNewEnvironment() {
        manager.assign(Map.of("rs", DEPENDS), task("rs", "echo \"$$ $DB_ENDPOINTS\" >> \"$OUT/starts\"; exec sleep 300",
                new OnDependencyChange.Restart()));
        long firstPid = awaitRunning("rs").pid();
        await().atMost(TIMEOUT).until(() -> read(scratch.resolve("starts")).lines().count() == 1);

        manager.dependencies(Map.of("shop_db", List.of("10.0.0.5:5432"), "billing_api", List.of("10.0.0.9:80")));

        await().atMost(TIMEOUT).until(() -> read(scratch.resolve("starts")).lines().count() == 2);
        String second = read(scratch.resolve("starts")).lines().toList().get(1);
        assertThat(second).endsWith(" 10.0.0.5:5432");
        await().atMost(TIMEOUT).until(() -> {
            TaskStatus latest = manager.latest("rs").orElseThrow();
            return latest.state() == TaskState.RUNNING && latest.pid() != firstPid;
        });
        TaskStatus restarted = manager.latest("rs").orElseThrow();
        assertThat(second).startsWith(restarted.pid() + " ");
        assertThat(restarted.message()).isEqualTo("restarted: dependency shop_db changed");
        assertThat(TestTasks.alive(firstPid)).isFalse();
        assertThat(TestTasks.alive(restarted.pid())).isTrue();
    }

    @Test
    void ignorePolicyAndUnrelatedServicesDoNothing() {
        manager.assign(Map.of("ign", DEPENDS, "rs2", new Assignment(List.of(), false, Map.of("DB", "shop_db"), false)),
                task("ign", "echo $$ >> \"$OUT/ign\"; exec sleep 300", new OnDependencyChange.Ignore()),
                TestTasks.task("rs2", TaskTemplate.process(List.of("/bin/sh", "-c",
                                "echo $$ >> \"$OUT/rs2\"; exec sleep 300")).withEnvironment(Map.of("OUT",
                                scratch.toString())).withDiscovery(new DiscoverySpec(List.of(),
                                new OnDependencyChange.Restart())),
                        Map.of()));
        long ignPid = awaitRunning("ign").pid();
        long rsPid = awaitRunning("rs2").pid();

        manager.dependencies(Map.of("shop_db", List.of("10.0.0.1:5432", "10.0.0.2:5432"),
                "billing_api", List.of("10.0.0.8:80"))); // only billing_api, which rs2 does not use
        sleepPastDebounce();
        assertThat(manager.latest("ign").orElseThrow().pid()).isEqualTo(ignPid);
        assertThat(manager.latest("rs2").orElseThrow().pid()).isEqualTo(rsPid);
        assertThat(read(scratch.resolve("rs2")).lines()).hasSize(1);
    }

    private static void sleepPastDebounce() {
        try {
            Thread.sleep(1500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
