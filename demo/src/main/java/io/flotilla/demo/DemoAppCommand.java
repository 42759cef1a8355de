package io.flotilla.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.flotilla.discovery.client.Endpoint;
import io.flotilla.discovery.client.LoadBalancer;
import io.flotilla.discovery.client.ServiceWatcher;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.random.RandomGenerator;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Small applications built into the binary, so examples run wherever a JDK runs. They read what
 * Flotilla hands every task: PORT, FLOTILLA_TASK_ID, FLOTILLA_TASK_SLOT, FLOTILLA_SERVICE,
 * FLOTILLA_NODE_ID, and a dependency's BACKEND_HOST / BACKEND_PORT.
 *
 * <p>They are applications Flotilla runs, not part of it: this module depends on the discovery
 * client library only, as any application would. The {@code flotilla} binary offers them as
 * {@code flotilla demo-app …}; {@link #main} runs them without it.
 */
@Command(name = "demo-app", description = "Demo applications used by examples/ (web, backend, probe, ledger).",
        subcommands = {DemoAppCommand.Web.class, DemoAppCommand.Backend.class, DemoAppCommand.Probe.class, LedgerApp.class})
public final class DemoAppCommand {

    /** {@code java -cp … io.flotilla.demo.DemoAppCommand web|backend|probe|ledger …}: as {@code flotilla demo-app …}. */
    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new DemoAppCommand()).execute(args));
    }

    /** Who this task is, as one line: the answer that lets a test tell replicas apart. */
    static String identity(Map<String, String> env, String role) {
        return role + " task=" + env.getOrDefault("FLOTILLA_TASK_ID", "-") + " service="
                + env.getOrDefault("FLOTILLA_SERVICE", "-") + " slot=" + env.getOrDefault("FLOTILLA_TASK_SLOT", "-")
                + " node=" + env.getOrDefault("FLOTILLA_NODE_ID", "-") + " pid=" + ProcessHandle.current().pid();
    }

    static HttpServer listen(Map<String, String> env) throws IOException {
        String port = env.get("PORT");
        if (port == null) {
            throw new IllegalStateException("PORT is not set: run this under Flotilla, or set PORT");
        }
        String host = env.getOrDefault("FLOTILLA_ADDRESS", "0.0.0.0");
        HttpServer server = HttpServer.create(new InetSocketAddress(host, Integer.parseInt(port)), 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        return server;
    }

    static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    static int serveForever(HttpServer server, String what) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println(what + " stopping");
            server.stop(1);
            stop.countDown();
        }));
        server.start();
        System.out.println(what + " listening on " + server.getAddress());
        stop.await();
        return 0;
    }

    /**
     * Who called, as the routing mesh keeps it: {@code peer=} the TCP peer (the mesh's address
     * when it proxied the request), {@code forwarded-for=} the X-Forwarded-For it added (the
     * client's address), {@code path=} the request path.
     */
    static String peer(HttpExchange exchange) {
        String forwarded = exchange.getRequestHeaders().getFirst("X-Forwarded-For");
        return "peer=" + exchange.getRemoteAddress().getAddress().getHostAddress() + " forwarded-for="
                + (forwarded == null ? "-" : forwarded.replace(" ", "")) + " path=" + exchange.getRequestURI().getPath();
    }

    @Command(name = "backend", description = "Answers every request with its task's identity.")
    static final class Backend implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            Map<String, String> env = System.getenv();
            HttpServer server = listen(env);
            AtomicLong served = new AtomicLong();
            server.createContext("/health", exchange -> answer(exchange, 200, "ok\n"));
            server.createContext("/", exchange -> answer(exchange, 200, identity(env, "backend")
                    + " served=" + served.incrementAndGet() + " " + peer(exchange) + "\n"));
            return serveForever(server, "backend");
        }
    }

    /**
     * Answers with its identity and the answer of a backend. It finds the backend through the
     * discovery API ({@code FLOTILLA_API}; the service named {@code BACKEND} in
     * {@code FLOTILLA_DEPENDENCIES}): a live endpoint list, one endpoint per request by power of
     * two choices. Without the API (or while the list is empty) it uses BACKEND_HOST:BACKEND_PORT.
     */
    @Command(name = "web", description = "Answers with its identity and the answer of a backend (found through the discovery API, else BACKEND_HOST:BACKEND_PORT).")
    static final class Web implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            Map<String, String> env = System.getenv();
            HttpServer server = listen(env);
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            String greeting = env.getOrDefault("GREETING", "hello from flotilla");
            LoadBalancer balancer = backendBalancer(env);
            server.createContext("/health", exchange -> answer(exchange, 200, "ok\n"));
            server.createContext("/", exchange -> {
                String backend = balancer == null ? null : callDiscovered(client, balancer);
                if (backend == null) {
                    backend = env.get("BACKEND_HOST") == null ? "no backend configured"
                            : callBackend(client, env.get("BACKEND_HOST"), env.get("BACKEND_PORT"))
                            + "\nbackend-via: environment";
                }
                answer(exchange, 200, greeting + "\n" + identity(env, "web") + " " + peer(exchange) + "\nbackend: "
                        + backend + "\n");
            });
            return serveForever(server, "web");
        }

        /** A balancer over the backend's live endpoints, or null when there is no API or no backend to watch. */
        private static LoadBalancer backendBalancer(Map<String, String> env) {
            String api = env.get("FLOTILLA_API");
            String service = backendService(env);
            if (api == null || api.isBlank() || service == null) {
                return null;
            }
            List<String> managers = Arrays.stream(api.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList();
            ServiceWatcher watcher = new ServiceWatcher(managers, service, List.of()).start();
            return LoadBalancer.powerOfTwoChoices(watcher.endpoints(), RandomGenerator.getDefault());
        }

        /** The full name of the dependency {@code BACKEND} ({@code shop_backend}), from FLOTILLA_DEPENDENCIES. */
        static String backendService(Map<String, String> env) {
            String dependencies = env.getOrDefault("FLOTILLA_DEPENDENCIES", "");
            for (String entry : dependencies.split(",")) {
                if (entry.startsWith("BACKEND=") && entry.length() > "BACKEND=".length()) {
                    return entry.substring("BACKEND=".length());
                }
            }
            return env.get("BACKEND_SERVICE");
        }

        /** The answer of a backend the balancer picks, or null when it knows none yet. */
        private static String callDiscovered(HttpClient client, LoadBalancer balancer) {
            LoadBalancer.Lease lease;
            try {
                lease = balancer.acquire();
            } catch (NoSuchElementException e) {
                return null;
            }
            try (lease) {
                Endpoint endpoint = lease.endpoint();
                if (endpoint.ports().isEmpty()) {
                    return null;
                }
                int port = endpoint.ports().values().iterator().next();
                return callBackend(client, endpoint.address(), Integer.toString(port)) + "\nbackend-via: discovery";
            }
        }

        private static String callBackend(HttpClient client, String host, String port) {
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                return response.body().strip();
            } catch (IOException e) {
                return "unreachable at " + host + ":" + port + " (" + e.getMessage() + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
    }

    @Command(name = "probe", description = "Exit 0 if URL answers HTTP 200 within 2 s, else 1 (for healthchecks).")
    static final class Probe implements Callable<Integer> {
        @Parameters(paramLabel = "URL") String url;

        @Override
        public Integer call() {
            try {
                HttpResponse<Void> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()
                        .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                                HttpResponse.BodyHandlers.discarding());
                System.out.println(url + " -> " + response.statusCode());
                return response.statusCode() == 200 ? 0 : 1;
            } catch (Exception e) {
                System.out.println(url + " -> " + e);
                return 1;
            }
        }
    }
}
