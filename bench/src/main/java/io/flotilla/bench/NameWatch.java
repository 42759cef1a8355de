package io.flotilla.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks a name of a node's DNS on a network's gateway in a tight loop from inside a task's network
 * namespace, as that task's resolver would, and keeps every answer with the wall-clock time it
 * arrived, so that the moment a name follows a moved task can be read afterwards. The loop runs
 * the machine's static busybox ({@code busybox nslookup -type=a NAME SERVER}), whose start costs
 * about a millisecond, rather than dig, whose start on a loaded 2-core machine took tens of
 * milliseconds and so limited the measurement's resolution.
 */
final class NameWatch implements AutoCloseable {
    private static final String END = "--";
    /** An answer's address; the server's own line ({@code Address: 10.0.0.1:53}) comes before {@code Name:}. */
    private static final Pattern ADDRESS = Pattern.compile("Address:\\s*(\\d+\\.\\d+\\.\\d+\\.\\d+)\\s*");

    /** The addresses one query answered (none: NXDOMAIN or no answer), and when, in epoch nanoseconds. */
    record Answer(long atEpochNanos, Set<String> addresses) {}

    private final Process process;
    private final List<Answer> answers = new CopyOnWriteArrayList<>();

    private NameWatch(Process process) {
        this.process = process;
        Thread reader = new Thread(this::read, "name-watch");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts asking {@code name} of {@code server} (port 53) in the network namespace of the process {@code pid}. */
    static NameWatch start(long pid, String server, String name) throws IOException {
        String loop = "while :; do busybox nslookup -type=a " + name + " " + server + "; echo " + END + "; done";
        return new NameWatch(new ProcessBuilder(NetnsTestBed.inNamespaceOf(pid, List.of("busybox", "sh", "-c", loop)))
                .redirectErrorStream(true).start());
    }

    static long epochNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            Set<String> current = new TreeSet<>();
            boolean named = false;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                Matcher address = ADDRESS.matcher(line);
                if (line.strip().equals(END)) {
                    answers.add(new Answer(epochNanos(), Set.copyOf(current)));
                    current.clear();
                    named = false;
                } else if (line.startsWith("Name:")) {
                    named = true;
                } else if (named && address.matches()) {
                    current.add(address.group(1));
                }
            }
        } catch (IOException e) {
            // the watch was closed
        }
    }

    /**
     * The first answer after {@code sinceEpochNanos} that names some address and none of {@code old}
     * (the name has followed the move), waiting up to {@code max} for it.
     */
    Answer awaitFollowed(long sinceEpochNanos, Set<String> old, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        int from = 0;
        while (System.nanoTime() < deadline) {
            List<Answer> seen = new ArrayList<>(answers);
            for (int i = from; i < seen.size(); i++) {
                Answer answer = seen.get(i);
                if (answer.atEpochNanos() > sinceEpochNanos && !answer.addresses().isEmpty()
                        && answer.addresses().stream().noneMatch(old::contains)) {
                    return answer;
                }
            }
            from = seen.size();
            Thread.sleep(5);
        }
        throw new IllegalStateException("the name did not follow the move within " + max + " (last answers: "
                + answers.subList(Math.max(0, answers.size() - 3), answers.size()) + ")");
    }

    /** The addresses of the last answer that named any, waiting up to {@code max} for one. */
    Set<String> awaitAnswer(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = answers.size() - 1; i >= 0; i--) {
                if (!answers.get(i).addresses().isEmpty()) {
                    return answers.get(i).addresses();
                }
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no answer within " + max + (process.isAlive() ? "" : " (dig loop ended)"));
    }

    /** How many queries were answered so far (the loop's rate tells the measurement's resolution). */
    int count() {
        return answers.size();
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
