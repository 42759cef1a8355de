package io.flotilla.cli.commands;

import io.flotilla.cli.Convergence;
import io.flotilla.cli.StackFiles;
import io.flotilla.client.ApiClient;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.node.LocalNode;
import io.flotilla.node.NodeAddresses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", description = {"Start a local cluster, deploy examples/shop, and print where to reach it.",
        "Ctrl-C removes the stack and stops the cluster."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--data", defaultValue = ".flotilla/demo", paramLabel = "DIR", description = "Data directory (default .flotilla/demo).")
    Path data;

    @Option(names = "--api", defaultValue = "127.0.0.1:" + ApiClient.DEFAULT_PORT, paramLabel = "HOST:PORT")
    String api;

    @Option(names = {"-c", "--compose-file"}, paramLabel = "FILE", description = "Stack file (default examples/shop/compose.yaml).")
    Path file;

    @Option(names = "--once", description = "Deploy, check every web replica answers, remove the stack and exit (a smoke test).")
    boolean once;

    @picocli.CommandLine.Mixin
    LogCliOptions logging = new LogCliOptions();

    @Override
    public Integer call() throws Exception {
        Path compose = file != null ? file : locateShop();
        logging.level();
        java.net.InetSocketAddress apiAddress = NodeAddresses.parseAddress(api, ApiClient.DEFAULT_PORT);
        System.out.println("Log: " + logging.foreground(data) + "   (warnings and errors also here)");
        LocalNode node = LocalNode.start(data, apiAddress, null);
        ApiClient client = new ApiClient(node.apiHostPort());
        node.startMesh(node.apiAddress().getAddress().getHostAddress());
        try {
            System.out.println("Flotilla is up at https://" + node.apiHostPort() + " (node " + node.nodeId() + ").");
            System.out.println("Deploying " + compose + " as stack shop ...");
            client.deploy(StackFiles.load(compose, "shop").stack());
            if (!new Convergence(client, System.out).await("shop", Duration.ofMinutes(3))) {
                System.err.println("The shop did not converge within 3 minutes; see `flotilla stack ps shop`.");
                return 1;
            }
            List<Task> web = client.serviceTasks("shop_web").stream()
                    .filter(t -> t.state() == TaskState.RUNNING && t.desiredState() == TaskState.RUNNING)
                    .sorted(Comparator.comparingInt(Task::slot)).toList();
            String host = node.apiAddress().getAddress().getHostAddress();
            System.out.println();
            System.out.println("The shop is running. Its web replicas answer at:");
            for (Task task : web) {
                System.out.println("  " + task.displayName() + "  http://" + host + ":" + task.status().hostPorts().get("http") + "/");
            }
            System.out.println("Through the routing mesh (balanced over every replica):  http://" + host + ":8080/");
            System.out.println();
            System.out.println("In another terminal:  export FLOTILLA_HOST=" + node.apiHostPort() + " FLOTILLA_TLS_DIR="
                    + io.flotilla.security.TlsDirectory.of(data).path());
            System.out.println("  ./flotilla stack ps shop | ./flotilla service ls | ./flotilla service scale shop_web=5 | ./flotilla service logs -f shop_web");
            if (once) {
                return checkReplicas(host, web);
            }
            System.out.println("Press Ctrl-C to remove the stack and stop.");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
            return 0;
        } finally {
            System.out.println("Removing stack shop ...");
            try {
                client.removeStack("shop");
                awaitStopped(client);
            } catch (RuntimeException e) {
                System.err.println("Could not remove the stack: " + e.getMessage());
            }
            node.close();
        }
    }

    private static int checkReplicas(String host, List<Task> web) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        int failures = 0;
        for (Task task : web) {
            String url = "http://" + host + ":" + task.status().hostPorts().get("http") + "/";
            var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            boolean ok = response.statusCode() == 200 && response.body().contains(task.id());
            System.out.println((ok ? "ok   " : "FAIL ") + url + " -> " + response.body().lines().skip(1).findFirst().orElse(""));
            failures += ok ? 0 : 1;
        }
        // The routing mesh publishes web's 8080 on the node: it answers from one of the replicas.
        String mesh = "http://" + host + ":8080/";
        String answer = null;
        for (int attempt = 0; attempt < 50 && answer == null; attempt++) {
            try {
                var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(mesh)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && web.stream().anyMatch(t -> response.body().contains(t.id()))) {
                    answer = response.body();
                }
            } catch (java.io.IOException notYet) {
                // the mesh applies its table within a moment of the tasks becoming healthy
            }
            if (answer == null) {
                Thread.sleep(200);
            }
        }
        System.out.println((answer != null ? "ok   " : "FAIL ") + mesh + " (routing mesh) -> "
                + (answer == null ? "no answer from a web replica" : answer.lines().skip(1).findFirst().orElse("")));
        failures += answer != null ? 0 : 1;
        return failures == 0 ? 0 : 1;
    }

    private static void awaitStopped(ApiClient client) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (client.tasks("shop").stream().allMatch(t -> t.state().isTerminal())) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Path locateShop() {
        String home = System.getenv("FLOTILLA_HOME");
        for (Path candidate : new Path[] {
                home == null ? null : Path.of(home, "examples", "shop", "compose.yaml"),
                Path.of("examples", "shop", "compose.yaml")}) {
            if (candidate != null && Files.exists(candidate)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("examples/shop/compose.yaml not found: run from the repository root or pass -c FILE");
    }
}
