package io.flotilla.bench;

import io.flotilla.client.ApiClient;
import io.flotilla.model.PlacementSpec;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.TaskTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The chaos run's fenced stateful ledger: the ledger demo's busybox script ({@code flotilla demo-app
 * ledger --print-script}) as a one-slot stateful process service, so that its task is fenced (it runs
 * only while its node holds a lease with the managers, docs/stateful.md) and moves when its node is
 * lost; it runs on the workers, and half of the workers' faults hit its host ({@link ChaosNemesis}).
 * Every node runs on this machine, so a directory of the run is the storage its copies share, as a
 * GlusterFS volume is across hosts. It appends {@code <n> <task id> <time>} every 50 ms, continuing
 * after the file's last number.
 *
 * <p>The check reads the whole file after the run: two writers at once show as a line that does not
 * follow the one before by exactly one (a copy frozen past its lease that wrote on waking leaves an
 * old number after newer ones) or as a writer whose lines come in two runs; a copy that saw another's
 * line exits 75, and such a task counts too.
 */
final class ChaosLedger {
    static final String SERVICE = "chaos_ledger";
    /** What the ledger prints when it stops because another copy appended (then it exits 75). */
    static final String SAW_ANOTHER_WRITER = "Two copies of this slot are writing";
    private static final String SCRIPT = "/io/flotilla/demo/ledger.sh";

    /** What the ledger's file and tasks showed: lines, breaks in the numbering or the writers' runs, copies that exited 75. */
    record Check(int lines, int writers, List<String> breaks, int sawAnotherWriter) {
        int doubleWriters() {
            return breaks.size() + sawAnotherWriter;
        }

        boolean ok() {
            return lines > 0 && doubleWriters() == 0;
        }
    }

    private ChaosLedger() {}

    /** The service: one fenced slot writing {@code dir/ledger.log}, its HTTP answer on an ephemeral port (it is not asked). */
    static ServiceSpec service(Path dir) throws IOException {
        Files.createDirectories(dir);
        TaskTemplate task = TaskTemplate.process(List.of("busybox", "sh", "-c", script())).withEnvironment(Map.of(
                "LEDGER_DIR", dir.toAbsolutePath().toString(), "LEDGER_INTERVAL_MS", "50", "PORT", "0"))
                .withPlacement(new PlacementSpec(List.of("node.role==worker"), List.of(), null));
        return new ServiceSpec(SERVICE, "chaos", ServiceMode.REPLICATED, 1, task, List.of(), List.of(),
                Map.of("flotilla.stateful", "true"), null, null);
    }

    /** The address of the node running the ledger, through the leader; null when none runs or no one answers. */
    static String host(FailoverCluster cluster) {
        try {
            String api = cluster.leaderApi();
            ApiClient client = new ApiClient(api);
            String nodeId = FailoverReads.running(api, SERVICE).stream().map(t -> t.nodeId()).findFirst().orElse(null);
            return client.nodes().stream().filter(n -> n.id().equals(nodeId)).map(n -> n.status().address()).findFirst().orElse(null);
        } catch (RuntimeException | InterruptedException e) {
            return null;
        }
    }

    static String script() throws IOException {
        try (InputStream in = ChaosLedger.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IOException(SCRIPT + " is not on the class path (the demo module)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static Path file(Path dir) {
        return dir.resolve("ledger.log");
    }

    /**
     * The ledger's tasks that stopped because another copy appended (exit 75), from their output in the
     * nodes' task directories under the run's {@code dir} ({@code n<i>/agent/tasks/<id>/output.log}):
     * the API may no longer record the exit of a task its node was judged lost for.
     */
    static int sawAnotherWriter(Path dir) throws IOException {
        return sawAnotherWriter(dir, null);
    }

    /**
     * As {@link #sawAnotherWriter(Path)}, and copies each such output to {@code keep} (named
     * {@code <node dir>-<task id>.log}) when not null: the nodes' data dirs may be tmpfs mounts
     * ({@link ChaosDisks}), gone once the run ends.
     */
    static int sawAnotherWriter(Path dir, Path keep) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.find(dir, 5, (path, attributes) ->
                path.getFileName().toString().equals("output.log") && path.getParent().getParent().getFileName().toString().equals("tasks"))) {
            int saw = 0;
            for (Path file : files.toList()) {
                try {
                    if (Files.readString(file, StandardCharsets.ISO_8859_1).contains(SAW_ANOTHER_WRITER)) {
                        saw++;
                        if (keep != null) {
                            Path node = dir.relativize(file).getName(0);
                            Files.createDirectories(keep);
                            Files.copy(file, keep.resolve(node + "-" + file.getParent().getFileName() + ".log"),
                                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                } catch (IOException e) {
                    // a task directory removed meanwhile
                }
            }
            return saw;
        }
    }

    /**
     * The file's checks, once every copy is gone: a last line without its newline (a copy killed in
     * the middle of its append; the next copy would have cut it off) is not counted.
     */
    static Check check(Path dir, int sawAnotherWriter) throws IOException {
        String text = Files.exists(file(dir)) ? Files.readString(file(dir), StandardCharsets.UTF_8) : "";
        List<String> lines = new ArrayList<>(text.lines().toList());
        if (!text.isEmpty() && !text.endsWith("\n")) {
            lines.removeLast();
        }
        return check(lines, sawAnotherWriter);
    }

    /** The checks on the lines alone ({@code sawAnotherWriter} copies exited 75). */
    static Check check(List<String> lines, int sawAnotherWriter) {
        List<String> breaks = new ArrayList<>();
        List<String> runs = new ArrayList<>();
        long previous = -1;
        for (int i = 0; i < lines.size(); i++) {
            String[] fields = lines.get(i).strip().split("\\s+");
            if (fields.length < 3 || !fields[0].matches("\\d{1,18}")) {
                breaks.add("line " + (i + 1) + " is not a ledger line: '" + lines.get(i) + "'");
                continue;
            }
            long number = Long.parseLong(fields[0]);
            if (previous >= 0 && number != previous + 1) {
                breaks.add("line " + (i + 1) + ": " + number + " by " + fields[1] + " after " + previous + " ("
                        + lines.get(i - 1).strip() + ")");
            }
            if (runs.isEmpty() || !runs.getLast().equals(fields[1])) {
                if (runs.contains(fields[1])) {
                    breaks.add("line " + (i + 1) + ": " + fields[1] + " writes again after " + runs.getLast());
                }
                runs.add(fields[1]);
            }
            previous = number;
        }
        return new Check(lines.size(), (int) runs.stream().distinct().count(), List.copyOf(breaks), sawAnotherWriter);
    }

    /**
     * {@code lines} with what a copy frozen past its lease writes on waking: a line numbered after an
     * earlier one, by a writer other than the file's last, appended at the end. The check must find
     * it (the tests).
     */
    static List<String> withStaleAppend(List<String> lines) {
        List<String> out = new ArrayList<>(lines);
        String earlier = lines.get(Math.max(0, lines.size() - 10));
        long number = Long.parseLong(earlier.strip().split("\\s+")[0]) + 1;
        out.add(number + " frozen-copy 2026-01-01T00:00:00Z");
        return out;
    }
}
