package io.flotilla.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** Clients on every node's published port, in a loop (six threads); every non-200 answer or error is kept. */
final class HttpLoad implements AutoCloseable {
    final AtomicLong ok = new AtomicLong();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    HttpLoad(List<String> hosts, int port) {
        for (int i = 0; i < 6; i++) {
            String host = hosts.get(i % hosts.size());
            threads.add(Thread.ofPlatform().daemon().start(() -> {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                while (running.get()) {
                    try {
                        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                                URI.create("http://" + host + ":" + port + "/")).timeout(Duration.ofSeconds(5)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add(host + ": " + response.statusCode() + " " + response.body().strip());
                        }
                    } catch (IOException e) {
                        failures.add(host + ": " + e);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread thread : threads) {
            thread.join(10_000);
        }
    }
}
