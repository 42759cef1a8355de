package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.FileKind;
import io.flotilla.model.NodeState;
import io.flotilla.model.Task;
import io.flotilla.model.api.ClusterInfo;
import io.flotilla.model.api.FileInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 end to end on real hosts: the namespace test bed (hosts as network namespaces, a dockerd
 * each), three managers on hosts 1-3 and a worker that joins later on host 4. A stack with two
 * services built by the CLI on the machine's dockerd ({@code FROM flotilla-test/busybox:1}, a build
 * arg, a target stage), a container service with a secret (long syntax) and a config, and a process
 * service reading its secret through {@code FLOTILLA_SECRETS_DIR}. Checked on the hosts' own daemons
 * and files: every replica runs the built image (the same image id, the content the build wrote),
 * also on the late worker (loaded from the cluster); an unchanged redeploy builds and restarts
 * nothing; a changed context rolls only its service; content, owner and mode of the files; a
 * {@code secret update} reaches the tasks by their policies (restart, signal) although the leader
 * is SIGKILLed right after acknowledging it; no node's data directory or log, nor any container's
 * inspect, holds the secret's markers in the clear or in base64.
 */
class ComposeAppIT {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final String STACK = "it14app";
    private static final String SECRET = "it14-token";
    private static final String DOCKERFILE = """
            FROM flotilla-test/busybox:1 AS base
            ARG FLAVOUR=plain
            COPY note.txt /note.txt
            RUN echo "built $FLAVOUR" > /built.txt
            FROM base AS extra
            RUN echo "the extra stage" > /extra.txt
            """;
    private static final String APP = """
            services:
              web:
                build: {context: ./web, args: {FLAVOUR: salty}, target: base}
                command: ["sh", "-c", "while :; do sleep 1; done"]
                init: true
                deploy: {mode: global}
              side:
                build: {context: ./side, args: {FLAVOUR: sweet}, target: base}
                command: ["sh", "-c", "while :; do sleep 1; done"]
                init: true
                deploy: {replicas: 2}
              app:
                image: %1$s
                command: ["sh", "-c", "while :; do sleep 1; done"]
                init: true
                secrets:
                  - {source: %2$s, target: token.txt, uid: "1000", gid: "1001", mode: 0400}
                configs:
                  - {source: conf, target: /etc/app.conf}
                deploy: {replicas: 2}
                x-flotilla: {on_dependency_change: restart}
              proc:
                command: ["/bin/sh", "-c", "trap 'cat $$FLOTILLA_SECRETS_DIR/token > %3$s/$$FLOTILLA_TASK_ID.hup' HUP; while :; do { stat -c '%%u %%g %%a' $$FLOTILLA_SECRETS_DIR/token; cat $$FLOTILLA_SECRETS_DIR/token; } > %3$s/$$FLOTILLA_TASK_ID.tmp; mv %3$s/$$FLOTILLA_TASK_ID.tmp %3$s/$$FLOTILLA_TASK_ID.txt; sleep 1; done"]
                secrets:
                  - {source: %2$s, target: token, uid: "1002", gid: "1003", mode: 0440}
                deploy: {replicas: 2, placement: {max_replicas_per_node: 1}}
                x-flotilla: {driver: process, on_dependency_change: "signal:SIGHUP"}
            secrets:
              %2$s: {external: true}
            configs:
              conf: {content: "level=7"}
            """;

    @TempDir static Path tmp;
    static final Map<Integer, ClusterNodeProcess> NODES = new TreeMap<>();
    static String api;
    static final Set<String> PROCESS_TASKS = new HashSet<>();
    static long started;
    static final String MARKER1 = "it14-" + UUID.randomUUID();
    static final String MARKER2 = "it14-" + UUID.randomUUID();

    @BeforeAll
    static void cluster() throws Exception {
        NetnsHosts.down(); // whatever a killed run left
        NetnsHosts.up(4);
        started = System.nanoTime();
        ClusterNodeProcess first = node(1, "init", "--data", dir(1), "--advertise", NetnsHosts.address(1));
        api = first.api();
        System.setProperty(io.flotilla.client.ClientTls.TLS_DIR_PROPERTY, first.data.resolve("tls").toString());
        ClusterNodeProcess.awaitApi(api, UP);
        String token = String.valueOf(new ClusterClient(api).joinToken("manager", false).get("token"));
        for (int host = 2; host <= 3; host++) {
            node(host, "join", "--token", token, "--data", dir(host), "--advertise", NetnsHosts.address(host), api);
        }
        try {
            await("three ready managers").atMost(UP).ignoreExceptions().pollInterval(Duration.ofMillis(250)).until(() -> {
                ClusterInfo info = new ClusterClient(api).info();
                return readyNodes() == 3 && info.managers().size() == 3
                        && info.managers().stream().noneMatch(m -> m.status().equals("Unreachable"));
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder logs = new StringBuilder();
            NODES.forEach((host, node) -> logs.append("\n--- node on host ").append(host).append(" (last lines):\n")
                    .append(tail(node.output(), 40)));
            throw new AssertionError(e.getMessage() + logs, e);
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        // Process tasks' namespaces (fl-<task id>) go with their tasks: remove the stack while the agents run.
        try {
            new ApiClient(api).serviceTasks(STACK + "_proc").forEach(task -> PROCESS_TASKS.add(task.id()));
            Cli.run(api, "stack", "rm", STACK);
        } catch (RuntimeException e) {
            // removed by the test already, or no cluster
        }
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> secretMounts().isEmpty() && PROCESS_TASKS.stream()
                    .noneMatch(id -> Files.exists(Path.of("/var/run/netns/fl-" + id.substring(0, 12)))));
        } catch (RuntimeException | AssertionError e) {
            // a cluster that did not come up, or agents gone: removed below
        }
        for (ClusterNodeProcess node : NODES.values()) {
            node.close();
        }
        for (String mount : secretMounts()) { // a failed run's: the nodes are gone
            NetnsHosts.run(10, "umount", mount);
        }
        ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(tmp.resolve("out").toString()))
                .forEach(ProcessHandle::destroyForcibly);
        for (String id : PROCESS_TASKS) {
            NetnsHosts.run(10, "ip", "netns", "del", "fl-" + id.substring(0, 12));
        }
        NetnsHosts.down();
        // The images the CLI built on the machine's daemon.
        String images = NetnsHosts.run(30, "docker", "images", "-q", "--filter", "reference=" + STACK + "_*").output();
        for (String id : new HashSet<>(List.of(images.strip().split("\\s+")))) {
            if (!id.isBlank()) {
                NetnsHosts.run(60, "docker", "rmi", "-f", id);
            }
        }
    }

    @Test
    void builtImagesAndSecretsRunOnEveryHost() throws Exception {
        Files.createDirectories(tmp.resolve("out"));
        context("web", "web note\n");
        context("side", "side note\n");
        Path secret = Files.writeString(tmp.resolve("token-v1"), MARKER1);
        assertThat(cli("secret", "create", SECRET, secret.toString()).exitCode()).isZero();
        Path file = Files.writeString(tmp.resolve("compose.yaml"), APP.formatted(NetnsHosts.IMAGE, SECRET, tmp.resolve("out")));

        ShopEndToEndIT.CliResult deploy = deploy(file);
        assertThat(deploy.out()).contains("built " + STACK + "_web:build-", "built " + STACK + "_side:build-");
        awaitRunning("web", 3);
        awaitRunning("side", 2);
        awaitRunning("app", 2);
        awaitRunning("proc", 2);
        runsBuiltImage("web", "built salty", "web note");
        runsBuiltImage("side", "built sweet", "side note");
        filesAre(MARKER1);
        phase("deployed, checked on hosts 1-3");

        // A worker joins afterwards: its daemon gets the built image from the cluster.
        assertThat(NetnsHosts.docker(4, 30, "images", "-q", reference("web")).output()).isBlank();
        String workerToken = String.valueOf(new ClusterClient(api).joinToken("worker", false).get("token"));
        node(4, "join", "--token", workerToken, "--data", dir(4), "--advertise", NetnsHosts.address(4), api);
        await("four ready nodes").atMost(UP).ignoreExceptions().until(() -> readyNodes() == 4);
        awaitRunning("web", 4);
        runsBuiltImage("web", "built salty", "web note");
        phase("host 4 joined and runs the built image");

        // Again without a change: nothing built, nothing sent, no task restarted.
        Map<String, Set<String>> before = taskIds();
        ShopEndToEndIT.CliResult again = deploy(file);
        assertThat(again.out()).contains("up to date: " + reference("web"), "up to date: " + reference("side"))
                .doesNotContain("built ", "sending ");
        Thread.sleep(3000);
        assertThat(taskIds()).isEqualTo(before);
        phase("unchanged redeploy");

        // One context changes: only that service is rebuilt and rolled.
        String oldSide = reference("side");
        context("side", "side note, second edition\n");
        ShopEndToEndIT.CliResult changed = deploy(file);
        assertThat(changed.out()).contains("built " + STACK + "_side:build-", "up to date: " + reference("web"));
        assertThat(reference("side")).isNotEqualTo(oldSide);
        await("side rolled").atMost(UP).ignoreExceptions().until(() -> {
            Set<String> side = running("side").stream().map(Task::id).collect(java.util.stream.Collectors.toSet());
            return side.size() == 2 && side.stream().noneMatch(before.get("side")::contains);
        });
        runsBuiltImage("side", "built sweet", "side note, second edition");
        Map<String, Set<String>> after = taskIds();
        for (String service : List.of("web", "app", "proc")) {
            assertThat(after.get(service)).as(service + " untouched").isEqualTo(before.get(service));
        }
        phase("one context changed, one service rolled");

        // A new version of the secret, acknowledged, then the leader SIGKILLed at once.
        ClusterInfo info = new ClusterClient(api).info();
        int leaderHost = hostOfAddress(info.managers().stream().filter(m -> m.id().equals(info.leaderId()))
                .findFirst().orElseThrow().apiAddress());
        api = NODES.get(leaderHost % 3 + 1).api();
        List<String> survivors = running("proc").stream().filter(t -> hostOf(t.nodeId()) != leaderHost).map(Task::id).toList();
        Path secret2 = Files.writeString(tmp.resolve("token-v2"), MARKER2);
        ShopEndToEndIT.CliResult update = cli("secret", "update", SECRET, secret2.toString());
        NODES.get(leaderHost).kill();
        assertThat(update.exitCode()).as(update.toString()).isZero();
        await("a new leader").atMost(UP).ignoreExceptions().until(() -> {
            ClusterInfo now = new ClusterClient(api).info();
            return now.leaderId() != null && !now.leaderId().equals(info.leaderId());
        });
        assertThat(new ApiClient(api).file(FileKind.SECRET, SECRET).version()).isEqualTo(2);
        restart(leaderHost);
        try {
            await("every task holds v2").atMost(UP).ignoreExceptions().pollInterval(Duration.ofMillis(500)).until(() -> {
                FileInfo held = new ApiClient(api).file(FileKind.SECRET, SECRET);
                // an app task reports v2 written a moment before its restart policy fails it: wait for
                // the replacements, or a poll between the two sees the old task holding v2
                return held.tasks().size() == 4 && held.tasks().stream().allMatch(t -> t.version() == 2)
                        && running("app").size() == 2 && running("proc").size() == 2
                        && running("app").stream().noneMatch(t -> before.get("app").contains(t.id()));
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\n" + rotationState(leaderHost), e);
        }
        // restart: the app's containers were replaced; signal: the same process tasks, told by SIGHUP
        // (those on other hosts than the killed leader's, whose tasks may have been replaced meanwhile).
        assertThat(taskIds().get("app")).doesNotContainAnyElementsOf(before.get("app"));
        assertThat(survivors).isNotEmpty();
        assertThat(taskIds().get("proc")).containsAll(survivors);
        filesAre(MARKER2);
        for (String id : survivors) {
            await("SIGHUP to " + id).atMost(Duration.ofSeconds(30))
                    .until(() -> read(tmp.resolve("out/" + id + ".hup")).equals(MARKER2));
        }

        noPlaintext(MARKER1, MARKER2);
        phase("rotation through a leader kill, scan");

        // The files leave the nodes with their last task.
        // the replaced app tasks' tmpfs go once their containers have stopped, a moment after
        await("one secret tmpfs per task").atMost(Duration.ofSeconds(30)).until(() -> secretMounts().size() == 4);
        new ApiClient(api).serviceTasks(STACK + "_proc").forEach(task -> PROCESS_TASKS.add(task.id()));
        assertThat(cli("stack", "rm", STACK).exitCode()).isZero();
        await("no secret tmpfs left").atMost(Duration.ofSeconds(30)).until(() -> secretMounts().isEmpty());
    }

    /** What the rotation's wait saw last, and the nodes' last lines: for a run that timed out. */
    private static String rotationState(int killedHost) {
        StringBuilder out = new StringBuilder("the killed leader was on host " + killedHost + "\n");
        try {
            new ApiClient(api).file(FileKind.SECRET, SECRET).tasks().forEach(t -> out.append("holds: ").append(t).append('\n'));
            for (String service : List.of("app", "proc")) {
                new ApiClient(api).serviceTasks(STACK + "_" + service).forEach(t -> out.append(service).append(": ")
                        .append(t.id()).append(" on ").append(t.nodeId()).append(' ').append(t.status()).append('\n'));
            }
        } catch (RuntimeException e) {
            out.append("cannot ask the cluster: ").append(e.getMessage()).append('\n');
        }
        NODES.forEach((host, node) -> out.append("--- node on host ").append(host).append(" (last lines):\n")
                .append(tail(node.output(), 60)).append('\n'));
        return out.toString();
    }

    private static void phase(String what) {
        System.out.printf("ComposeAppIT: %s at %d s%n", what, Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }

    /** The tasks' secret tmpfs mounts under the nodes' data directories (the nodes share this mount namespace). */
    private static List<String> secretMounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(line -> line.split(" ")[1])
                .filter(mount -> mount.startsWith(tmp.toString() + "/")).toList();
    }

    /** Every running task of the service runs the reference's image, by id, with what its build wrote. */
    private static void runsBuiltImage(String service, String built, String note) {
        String reference = reference(service);
        String id = NetnsHosts.run(30, "docker", "image", "inspect", "-f", "{{.Id}}", reference).output().strip();
        assertThat(id).startsWith("sha256:");
        for (Task task : running(service)) {
            int host = hostOf(task.nodeId());
            String container = task.status().containerId();
            assertThat(NetnsHosts.docker(host, 30, "inspect", "-f", "{{.Image}}", container).output().strip())
                    .as("%s on host %d", service, host).isEqualTo(id);
            NetnsHosts.Result content = NetnsHosts.exec(host, container, 20,
                    "cat /built.txt /note.txt; test -e /extra.txt && echo 'not the target stage'");
            assertThat(content.output().strip()).as("%s on host %d", service, host).isEqualTo(built + "\n" + note);
        }
    }

    /** The app's containers and the process tasks see {@code marker}, with the owner and mode asked for. */
    private static void filesAre(String marker) {
        for (Task task : running("app")) {
            int host = hostOf(task.nodeId());
            NetnsHosts.Result seen = NetnsHosts.exec(host, task.status().containerId(), 20,
                    "stat -c '%u %g %a' /run/secrets/token.txt; cat /run/secrets/token.txt; echo; cat /etc/app.conf");
            assertThat(seen.output().strip()).as("app on host %d", host).isEqualTo("1000 1001 400\n" + marker + "\nlevel=7");
        }
        for (Task task : running("proc")) {
            await("proc " + task.id() + " reads " + marker).atMost(Duration.ofSeconds(30)).until(() ->
                    read(tmp.resolve("out/" + task.id() + ".txt")).equals("1002 1003 440\n" + marker));
        }
    }

    /** No node's data directory (but the tasks' secret tmpfs) or log, and no container's inspect, holds a marker. */
    private static void noPlaintext(String... markers) throws IOException {
        List<String> forms = new ArrayList<>();
        for (String marker : markers) {
            forms.addAll(encodings(marker));
        }
        List<Path> files = new ArrayList<>();
        for (int host = 1; host <= 4; host++) {
            files.add(tmp.resolve("n" + host + ".log"));
            try (Stream<Path> walk = Files.walk(tmp.resolve("n" + host))) {
                walk.filter(Files::isRegularFile).filter(p -> !p.toString().matches(".*/tasks/[^/]+/secrets/.*"))
                        .forEach(files::add);
            }
        }
        assertThat(files).hasSizeGreaterThan(20);
        for (Path path : files) {
            String text;
            try {
                text = new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1);
            } catch (java.nio.file.NoSuchFileException gone) {
                continue; // removed while the node runs (a temporary file, an ended task's record)
            }
            assertThat(forms).as("a marker in %s", path).noneMatch(text::contains);
        }
        int inspected = 0;
        for (int host = 1; host <= 4; host++) {
            NetnsHosts.Result ps = NetnsHosts.docker(host, 30, "ps", "-aq");
            assertThat(ps.ok()).as("docker ps on host %d: %s", host, ps.output()).isTrue();
            String ids = ps.output().strip();
            if (ids.isEmpty()) {
                continue; // a host may hold none now: the restarted leader's tasks ran elsewhere meanwhile
            }
            for (String id : ids.split("\\s+")) {
                NetnsHosts.Result inspect = NetnsHosts.docker(host, 60, "inspect", id);
                if (!inspect.ok() && inspect.output().contains("No such object")) {
                    continue; // removed since ps listed it (a container the rotation's restart replaced)
                }
                assertThat(inspect.ok()).as("docker inspect %s on host %d: %s", id, host, inspect.output()).isTrue();
                assertThat(forms).as("a marker in host %d's docker inspect", host).noneMatch(inspect.output()::contains);
                inspected++;
            }
        }
        assertThat(inspected).as("containers inspected on the four hosts").isGreaterThanOrEqualTo(2);
    }

    /** The marker raw and as base64 at each alignment (the part of it the bytes around do not touch). */
    private static List<String> encodings(String marker) {
        List<String> forms = new ArrayList<>(List.of(marker));
        for (int shift = 0; shift < 3; shift++) {
            byte[] shifted = new byte[shift + marker.length()];
            System.arraycopy(marker.getBytes(StandardCharsets.UTF_8), 0, shifted, shift, marker.length());
            String encoded = java.util.Base64.getEncoder().withoutPadding().encodeToString(shifted);
            forms.add(encoded.substring(4, encoded.length() - 4));
        }
        return forms;
    }

    private static void context(String name, String note) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("Dockerfile"), DOCKERFILE);
        Files.writeString(dir.resolve("note.txt"), note);
    }

    private static ShopEndToEndIT.CliResult deploy(Path file) throws InterruptedException {
        ShopEndToEndIT.CliResult result = cli("stack", "deploy", "-c", file.toString(), STACK);
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result;
    }

    /**
     * The CLI against the current manager. A write refused for want of a leader (an election, which a
     * loaded machine's pauses can start) is tried again, as a user would, for up to 30 s, and said.
     */
    private static ShopEndToEndIT.CliResult cli(String... args) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            ShopEndToEndIT.CliResult result = Cli.run(api, args);
            if (result.exitCode() == 0 || !result.err().contains("no quorum") || System.nanoTime() > deadline) {
                return result;
            }
            System.out.println("ComposeAppIT: no leader for a moment, again: " + result.err().strip());
            Thread.sleep(1000);
        }
    }

    private static String reference(String service) {
        return new ApiClient(api).service(STACK + "_" + service).spec().task().image();
    }

    private static List<Task> running(String service) {
        return ShopEndToEndIT.runningTasks(new ApiClient(api), STACK + "_" + service);
    }

    private static void awaitRunning(String service, int count) {
        await(service + " running " + count).atMost(UP).ignoreExceptions().pollInterval(Duration.ofMillis(300))
                .until(() -> running(service).stream().filter(t -> t.status().containerId() != null
                        || t.status().pid() != null).count() == count);
    }

    /** Every service's task ids, running or not: a restart would add one. */
    private static Map<String, Set<String>> taskIds() {
        Map<String, Set<String>> ids = new TreeMap<>();
        for (String service : List.of("web", "side", "app", "proc")) {
            ids.put(service, new HashSet<>(running(service).stream().map(Task::id).toList()));
        }
        return ids;
    }

    private static int readyNodes() {
        return (int) new ApiClient(api).nodes().stream().filter(n -> n.status().state() == NodeState.READY).count();
    }

    private static int hostOf(String nodeId) {
        String address = new ApiClient(api).nodes().stream().filter(n -> n.id().equals(nodeId)).findFirst()
                .orElseThrow().status().address();
        return hostOfAddress(address);
    }

    private static int hostOfAddress(String address) {
        String host = address.contains(":") ? address.substring(0, address.indexOf(':')) : address;
        return Integer.parseInt(host.substring(host.lastIndexOf('.') + 1));
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static String read(Path path) {
        try {
            return Files.exists(path) ? Files.readString(path).strip() : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String dir(int host) {
        return tmp.resolve("n" + host).toString();
    }

    private static ClusterNodeProcess node(int host, String... args) throws IOException {
        ClusterNodeProcess node = new ClusterNodeProcess(NetnsHosts.address(host), tmp.resolve("n" + host), args)
                .inHost(host).start();
        NODES.put(host, node);
        return node;
    }

    /** The killed node again on its data directory. */
    private static void restart(int host) throws IOException {
        node(host, host == 1 ? "init" : "join", "--data", dir(host));
        ClusterNodeProcess.awaitApi(NODES.get(host).api(), UP);
    }
}
