package io.flotilla.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A {@link ManagerSession} for a stream that has no node session to follow (a client that is not
 * a node; tests): the managers of a list in turn, plain HTTP, the next one after a loss, with a
 * backoff of its own (50 ms doubling to 1 s, reset by a stream that opened). A node never uses it:
 * its stream follows its agent's connection.
 */
final class ManagerList implements ManagerSession {
    private static final long FIRST_BACKOFF_MS = 50;
    private static final long MAX_BACKOFF_MS = 1_000;

    private final Supplier<List<String>> managers;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private int next;
    /** Losses since a stream last opened. */
    private int losses;

    ManagerList(Supplier<List<String>> managers) {
        this.managers = managers;
    }

    @Override
    public String awaitManager() throws InterruptedException {
        while (true) {
            int lost;
            synchronized (this) {
                lost = losses;
            }
            Thread.sleep(lost == 0 ? 0 : Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(lost - 1, 5)));
            List<String> known = managers.get();
            if (!known.isEmpty()) {
                synchronized (this) {
                    return known.get(Math.floorMod(next, known.size()));
                }
            }
            Thread.sleep(FIRST_BACKOFF_MS);
        }
    }

    @Override
    public Runnable follow(Consumer<String> onMove) {
        return () -> { }; // a list does not move by itself
    }

    @Override
    public InputStream open(String manager, String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create("http://" + manager + pathAndQuery))
                .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() / 100 != 2) {
            response.body().close();
            throw new Refused("GET " + manager + pathAndQuery + " answered HTTP " + response.statusCode(), null);
        }
        synchronized (this) {
            losses = 0;
        }
        return response.body();
    }

    @Override
    public synchronized void lost(String manager) {
        next++;
        losses++;
    }
}
