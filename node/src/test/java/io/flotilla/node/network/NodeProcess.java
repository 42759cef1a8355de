package io.flotilla.node.network;

import io.flotilla.model.Json;
import io.flotilla.model.api.NetworkDirectory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A {@link NetnsNode} process in host {@code flhI} of the test bed, driven from the test over its stdin. */
final class NodeProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeProcess.class);

    private final String name;
    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

    NodeProcess(int host, String nodeId, String underlay) throws IOException {
        this.name = nodeId;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(List.of("nsenter", "--net=/var/run/netns/flh" + host, java,
                "-cp", System.getProperty("java.class.path"), NetnsNode.class.getName(), nodeId, underlay))
                .redirectErrorStream(true).start();
        stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().name("node-" + nodeId + "-out").start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith("@")) {
                        replies.add(line.substring(1));
                    } else {
                        LOG.info("[{}] {}", nodeId, line);
                    }
                }
            } catch (IOException e) {
                LOG.info("[{}] output closed: {}", nodeId, e.getMessage());
            }
        });
        expect("ready", 60);
    }

    /** Sends the directory without waiting (the caller measures). */
    void send(NetworkDirectory directory) throws IOException {
        stdin.write("apply " + Json.MAPPER.writeValueAsString(directory) + "\n");
        stdin.flush();
    }

    /** Waits for the process to have applied the last directory sent; its milliseconds from the line to then. */
    double applied() throws InterruptedException {
        return Double.parseDouble(expect("applied", 30).substring("applied ".length()));
    }

    double apply(NetworkDirectory directory) throws IOException, InterruptedException {
        send(directory);
        return applied();
    }

    private String expect(String what, int seconds) {
        try {
            String reply = replies.poll(seconds, TimeUnit.SECONDS);
            if (reply == null || !reply.startsWith(what)) {
                throw new AssertionError("node " + name + ": expected '" + what + "', got " + reply
                        + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")"));
            }
            return reply;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Asks the process to close its networks (teardown) and waits for it to exit. */
    void closeNetworks() throws IOException {
        stdin.write("close\n");
        stdin.flush();
        expect("closed", 30);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
