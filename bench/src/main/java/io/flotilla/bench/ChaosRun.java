package io.flotilla.bench;

import static io.flotilla.bench.FailoverReads.awaitUntil;
import static io.flotilla.bench.FailoverReads.readyNodes;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.Node;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.ClusterInfo;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One chaos run: forms 3 (or 5) managers + 2 (or 3) workers ({@link FailoverCluster}) on {@code 127.0.15.1–8},
 * deploys a small process-driver service, the fenced {@link ChaosLedger} and the web service of
 * {@link ChaosHttp} and the small stacks of {@link ChaosStacks}, runs the {@link ChaosClients}, the
 * changes of {@link ChaosStacks}, the self-registrations of {@link ChaosNames} and the HTTP load
 * against the {@link ChaosNemesis} for the given time, stops the faults, waits for convergence (every
 * node ready, every manager with the same registers, every service at exactly its replicas with as
 * many task processes on the machine), reads every register and registration through every manager,
 * checks ({@link ChaosVerdict}, the ledger's file, the HTTP failures), and ends every process it started.
 */
final class ChaosRun {
    static final String PREFIX = "127.0.15.";
    static final String SERVICE = "chaos_sleep";
    static final int REPLICAS = 2;
    /** The run's services and their replicas at the start: the sleepers, the fenced ledger, the web service behind the mesh. */
    static final Map<String, Integer> WANTED = Map.of(SERVICE, REPLICAS, ChaosLedger.SERVICE, 1, ChaosHttp.SERVICE, ChaosHttp.REPLICAS);
    /** Log entries between snapshots when disks fill ({@link ChaosDisks}): about one a second in a run. */
    static final int SNAPSHOT_INTERVAL = 50;

    /**
     * What a run is asked: its seed, its length, its clients, where its data and findings go, whether
     * to record one acknowledgement for a write never sent (a test of the checks), and whether leader
     * reads that are not linearizable fail the run; {@code spreadRegisters}: each register a label of
     * its own node (round robin over the nodes), not all on the first worker — see docs/benchmarks.md
     * for what concurrent updates of one node's labels once lost; {@code managers} 3 or 5, {@code workers} 2 or 3;
     * {@code faults} the kinds of fault drawn.
     */
    record Config(long seed, Duration length, int writers, int readers, int registers, Path dir, boolean dropAck,
                  boolean spreadRegisters, int managers, int workers, List<ChaosNemesis.Kind> faults) {}

    /** What a run found; {@code converge} null when the cluster did not converge. */
    record Result(int operations, int acknowledged, ChaosVerdict verdict, Duration converge,
                  Map<String, Long> failures, Map<ChaosNemesis.Kind, Integer> faults, int orphans, int leftovers,
                  List<RegisterOp> history, List<RegisterOp> finalReads, List<String> registers,
                  List<ChaosDowns.Wrong> wronglyDown, ChaosLedger.Check ledger, ChaosHttp.Tally http,
                  int acknowledgedChanges, long rollouts, List<String> lostChanges, ChaosNames.Check names) {
        boolean ok() {
            return verdict.ok() && converge != null && orphans == 0 && leftovers == 0 && wronglyDown.isEmpty()
                    && ledger.ok() && http.failed().isEmpty() && http.ok() > 0 && lostChanges.isEmpty() && names.ok();
        }
    }

    private ChaosRun() {}

    static Result run(Config config, PrintStream out) throws Exception {
        List<ChaosNemesis.Kind> kinds = config.faults();
        ChaosPartitions partitions = kinds.stream().anyMatch(ChaosNemesis.Kind::partition) ? ChaosPartitions.open() : null;
        FailoverCluster cluster = new FailoverCluster(PREFIX, 1, config.dir(), false, config.managers(), config.workers(), partitions);
        ChaosDisks disks = null;
        if (kinds.stream().anyMatch(ChaosNemesis.Kind::disk)) {
            disks = ChaosDisks.open(cluster.addresses().stream().map(cluster::data).toList());
            // a snapshot every few seconds of the run: a full disk then meets one within its seconds
            cluster.systemProperty(io.flotilla.manager.ManagerTuning.SNAPSHOT_INTERVAL_PROPERTY, Integer.toString(SNAPSHOT_INTERVAL));
        }
        ChaosDisks openedDisks = disks;
        Thread cleanup = new Thread(() -> {
            cluster.killAll();
            if (partitions != null) {
                partitions.close();
            }
            if (openedDisks != null) {
                openedDisks.close();
            }
        }, "chaos-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        ChaosNemesis nemesis = new ChaosNemesis(cluster, partitions, out, () -> ChaosLedger.host(cluster));
        ChaosSupervisor supervisor = null;
        ChaosPlacements placements = null;
        ChaosStalls stalls = new ChaosStalls();
        try {
            cluster.form();
            List<String> managers = cluster.addresses().subList(0, cluster.managers());
            String first = cluster.addr(0);
            new ApiClient(first).deploy(new StackSpec("chaos", List.of(new ServiceSpec(SERVICE, "chaos",
                    ServiceMode.REPLICATED, REPLICAS, TaskTemplate.process(List.of("sleep", "1000000")), List.of(), List.of(),
                    Map.of(), null, null), ChaosLedger.service(config.dir().resolve("ledger")),
                    ChaosHttp.service(config.dir().resolve("www")))));
            awaitUntil("the services running", Duration.ofSeconds(60), () -> WANTED.entrySet().stream()
                    .allMatch(e -> FailoverReads.running(first, e.getKey()).size() == e.getValue()));
            awaitUntil("the web service answering through every node's mesh", Duration.ofSeconds(60),
                    () -> cluster.addresses().stream().allMatch(ChaosHttp::answers));
            ChaosHttp http = new ChaosHttp(cluster.addresses());
            ChaosStacks stacks = new ChaosStacks(managers);
            stacks.deployAll(first);
            Map<String, String> nodeOf = new java.util.TreeMap<>();
            for (int i = 0; i < config.registers(); i++) {
                int node = config.spreadRegisters() ? (cluster.managers() + i) % cluster.size() : cluster.managers();
                nodeOf.put("chaos-r" + i, FailoverReads.nodeIdAt(first, cluster.addr(node)));
            }
            List<String> registers = List.copyOf(nodeOf.keySet());
            ChaosClients clients = new ChaosClients(managers, nodeOf);
            List<ChaosNemesis.Fault> schedule = ChaosNemesis.schedule(config.seed(), 1000, config.faults(), cluster.managers(),
                    config.workers());
            out.printf("chaos: seed %d, %d s, faults %s …%n", config.seed(), config.length().toSeconds(), schedule.subList(0, 3));
            clients.start(config.writers(), config.readers(), config.seed());
            stacks.start(config.seed());
            ChaosNames names = new ChaosNames(managers);
            names.start(config.seed());
            http.start();
            placements = new ChaosPlacements(managers, ChaosHttp.SERVICE);
            supervisor = new ChaosSupervisor(cluster, nemesis, out);
            nemesis.start(schedule);
            Thread.sleep(config.length().toMillis());
            nemesis.stop();
            clients.stop(Duration.ofSeconds(20));
            stacks.stop(Duration.ofSeconds(20));
            http.stop();
            placements.close();
            long stopped = System.nanoTime();
            boolean converged = awaitConverged(cluster, managers, Set.copyOf(nodeOf.values()), out);
            Duration converge = converged ? Duration.ofNanos(System.nanoTime() - stopped) : null;
            ChaosNames.Check namesCheck = names.stopAndCheck(Duration.ofSeconds(20)); // renewed until now: read at once
            namesCheck.expiredEarly().forEach(e -> out.println("chaos: registration expired early: " + e));
            namesCheck.lost().forEach(e -> out.println("chaos: registration lost: " + e));
            namesCheck.back().forEach(e -> out.println("chaos: registration back after its removal: " + e));
            List<RegisterOp> history = clients.history();
            if (config.dropAck()) {
                history = ChaosVerdict.withDroppedAck(history, registers.getFirst(), System.nanoTime());
            }
            List<RegisterOp> finalReads = finalReads(managers, nodeOf);
            List<RegisterOp> changes = stacks.history();
            List<String> lostChanges = converged ? ChaosStacks.lost(changes, stacks.finalReads()) : List.of();
            lostChanges.forEach(l -> out.println("chaos: lost change: " + l));
            int acknowledgedChanges = (int) changes.stream().filter(op -> op.outcome() == RegisterOp.Outcome.OK).count();
            Map<String, Long> failures = new java.util.TreeMap<>(clients.failures());
            stacks.failures().forEach((cause, n) -> failures.merge(cause, n, Long::sum));
            namesCheck.failures().forEach((cause, n) -> failures.merge(cause, n, Long::sum));
            ChaosVerdict verdict = ChaosVerdict.check(history, finalReads, registers, config.dir());
            int orphans = converged ? 0 : orphans(cluster);
            int acknowledged = (int) history.stream().filter(op -> op.kind() == RegisterOp.Kind.WRITE
                    && op.outcome() == RegisterOp.Outcome.OK).count();
            int operations = history.size() + changes.size() + namesCheck.registered()
                    + namesCheck.renewed() + namesCheck.deregistered()
                    + clients.failures().values().stream().mapToInt(Long::intValue).sum();
            Map<ChaosNemesis.Kind, Integer> faults = nemesis.done();
            stalls.print(out);
            List<ChaosDowns.Wrong> wronglyDown = wronglyDown(cluster, managers, nemesis.spans(), stalls.stalls(), converged, out);
            List<ChaosPlacements.Sample> samples = placements.samples();
            ChaosHttp.Tally tally = http.tally(nemesis.spans(), samples);
            tally.failed().stream().limit(5).forEach(f -> out.println("chaos: HTTP request failed through " + f.entry()
                    + " at " + f.start() + " (" + java.time.Duration.between(f.start(), f.end()).toMillis() + " ms): " + f.cause()
                    + "; faults then: " + nemesis.spans().stream().filter(s -> !s.end().isBefore(f.start().minusSeconds(10))
                    && !s.start().isAfter(f.end())).toList() + "; tasks then: " + ChaosPlacements.at(samples, f.start())));
            ChaosHttp.episodes(tally.failed()).forEach(e -> out.println("chaos: HTTP failures not excused: " + e));
            ChaosHttp.episodes(tally.noBackend()).forEach(e -> out.println("chaos: HTTP failures with every task of "
                    + ChaosHttp.SERVICE + " killed or cut off: " + e));
            supervisor.close();
            out.println("chaos: node processes that ended by themselves and were started again: " + supervisor.restarts());
            cluster.killAll();
            int leftovers = leftovers(config.dir(), out);
            ChaosLedger.Check ledger = ChaosLedger.check(config.dir().resolve("ledger"),
                    ChaosLedger.sawAnotherWriter(config.dir(), config.dir().resolve("ledger-found")));
            ledger.breaks().forEach(b -> out.println("chaos: ledger: " + b));
            return new Result(operations, acknowledged, verdict, converge, failures,
                    faults, orphans, leftovers, history, finalReads, registers, wronglyDown, ledger, tally,
                    acknowledgedChanges, ChaosStacks.rollouts(changes), lostChanges, namesCheck);
        } finally {
            stalls.close();
            nemesis.stop();
            if (supervisor != null) {
                supervisor.close();
            }
            if (placements != null) {
                placements.close();
            }
            cleanup.run();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    /**
     * The node.down events no kill or partition explains ({@link ChaosDowns}), each printed; read once the
     * cluster converged (every node answers for its id). Not converged: not judged (the run fails
     * on that already).
     */
    private static List<ChaosDowns.Wrong> wronglyDown(FailoverCluster cluster, List<String> managers, List<ChaosNemesis.Span> spans,
                                                      List<ChaosStalls.Stall> stalls, boolean converged, PrintStream out) {
        if (!converged) {
            return List.of();
        }
        Map<String, String> addressOf = new java.util.HashMap<>();
        for (int i = 0; i < cluster.size(); i++) {
            addressOf.put(FailoverReads.nodeIdAt(managers.getFirst(), cluster.addr(i)), cluster.addr(i));
        }
        List<io.flotilla.model.ClusterEvent> downs = ChaosDowns.nodeDowns(managers.getFirst());
        List<ChaosDowns.Wrong> wrong = ChaosDowns.judge(downs, addressOf, spans, stalls);
        out.printf("chaos: %d node.down events, %d not explained by a kill, a partition or a machine stall%n", downs.size(),
                wrong.size());
        wrong.forEach(w -> out.println("chaos: wrongly judged down: " + w.address() + " at " + w.event().time()
                + " (" + w.event().position() + "); faults on it: " + spans.stream().filter(s -> s.address().equals(w.address())).toList()));
        return wrong;
    }

    /**
     * Until every node is ready through the leader, every manager answers the registers' node the
     * same, and the service runs exactly its replicas with exactly as many task processes on the
     * machine (none orphaned by a killed host). False after 120 s.
     */
    private static boolean awaitConverged(FailoverCluster cluster, List<String> managers, Set<String> nodeIds, PrintStream out) {
        String[] why = {"nothing asked yet"};
        try {
            awaitUntil("convergence", Duration.ofSeconds(120), () -> {
                String leader = cluster.leaderApi();
                ClusterInfo info = new ClusterClient(leader).info();
                int ready = readyNodes(leader);
                if (ready != cluster.size() || info.managers().stream().anyMatch(m -> m.status().equals("Unreachable"))) {
                    why[0] = ready + " ready nodes, managers " + info.managers();
                    return false;
                }
                Set<List<Map<String, String>>> views = managers.stream().map(m -> new ApiClient(m).nodes().stream()
                        .filter(n -> nodeIds.contains(n.id())).sorted(java.util.Comparator.comparing(Node::id))
                        .map(n -> n.spec().labels()).toList()).collect(Collectors.toSet());
                Set<String> running = new java.util.HashSet<>();
                boolean atReplicas = true;
                for (Map.Entry<String, Integer> service : wanted(leader).entrySet()) {
                    Set<String> ids = FailoverReads.running(leader, service.getKey()).stream().map(t -> t.id()).collect(Collectors.toSet());
                    long live = new ApiClient(leader).serviceTasks(service.getKey()).stream().filter(t -> !t.state().isTerminal()).count();
                    atReplicas &= ids.size() == service.getValue() && live == service.getValue();
                    running.addAll(ids);
                }
                // the web service's last rolling update done: every task runs its current generation
                String generation = new ApiClient(leader).service(ChaosHttp.SERVICE).spec().task().environment()
                        .get(ChaosHttp.GENERATION);
                boolean rolledOut = FailoverReads.running(leader, ChaosHttp.SERVICE).stream()
                        .allMatch(t -> generation.equals(t.spec().environment().get(ChaosHttp.GENERATION)));
                atReplicas &= rolledOut;
                Set<String> processes = taskProcesses();
                why[0] = views.size() + " views of the registers, running tasks " + running
                        + (atReplicas ? "" : rolledOut ? " (not every service at its replicas)"
                                : " (" + ChaosHttp.SERVICE + " not all at " + generation + ")")
                        + ", task processes of " + processes;
                return views.size() == 1 && atReplicas && processes.equals(running);
            });
            return true;
        } catch (InterruptedException | IllegalStateException e) {
            out.println("chaos: no convergence within 120 s: " + why[0]);
            return false;
        }
    }

    /** Every service the cluster has (the run's own and the small stacks of {@link ChaosStacks}) and its replicas. */
    private static Map<String, Integer> wanted(String api) {
        return new ApiClient(api).services(null).stream().collect(Collectors.toMap(s -> s.service().spec().name(),
                s -> s.service().spec().replicas()));
    }

    /** Every register read through every manager, after convergence: the runs' last word on each value. */
    private static List<RegisterOp> finalReads(List<String> managers, Map<String, String> nodeOf) {
        List<RegisterOp> reads = new ArrayList<>();
        for (int m = 0; m < managers.size(); m++) {
            for (Map.Entry<String, String> register : nodeOf.entrySet()) {
                long invoke = System.nanoTime();
                Node node = new ApiClient(managers.get(m)).get("/v1/nodes/" + register.getValue(), Node.class, Duration.ofSeconds(10));
                long complete = System.nanoTime();
                reads.add(RegisterOp.read(1000 + m, register.getKey(), node.spec().labels().get(register.getKey()), invoke, complete));
            }
        }
        return reads;
    }

    /** Task ids of the task processes of this run's nodes on the machine (their environment names a node on 127.0.15.x). */
    static Set<String> taskProcesses() {
        return taskProcesses(PREFIX);
    }

    /** Task ids of the task processes on the machine whose node's address starts with {@code prefix} ({@code 127.0.19.}). */
    static Set<String> taskProcesses(String prefix) {
        return ProcessHandle.allProcesses().map(p -> environ(p.pid()))
                .filter(env -> env.contains("FLOTILLA_TASK_ID=") && env.contains("FLOTILLA_ADDRESS=" + prefix))
                .map(env -> env.substring(env.indexOf("FLOTILLA_TASK_ID=") + "FLOTILLA_TASK_ID=".length()).split("\0")[0])
                .collect(Collectors.toSet());
    }

    /** Tasks with a process on the machine that the cluster does not want running (0 if it cannot be asked). */
    private static int orphans(FailoverCluster cluster) {
        try {
            Set<String> running = new java.util.HashSet<>();
            for (String service : wanted(cluster.leaderApi()).keySet()) {
                FailoverReads.running(cluster.leaderApi(), service).forEach(t -> running.add(t.id()));
            }
            Set<String> processes = new java.util.HashSet<>(taskProcesses());
            processes.removeAll(running);
            return processes.size();
        } catch (RuntimeException | InterruptedException e) {
            return -1;
        }
    }

    /**
     * Processes left once the run ended: its task processes and node JVMs (their command names a
     * data dir in the run's). A process killed a moment ago may still be listed until the kernel has reaped it:
     * they get 5 s to go; those still there are printed.
     */
    static int leftovers(Path dir, PrintStream out) throws InterruptedException {
        List<ProcessHandle> left = List.of();
        for (long deadline = System.nanoTime() + 5_000_000_000L; System.nanoTime() < deadline; Thread.sleep(100)) {
            left = leftoverProcesses(dir);
            if (left.isEmpty()) {
                return 0;
            }
        }
        left.forEach(p -> out.println("chaos: process left: " + p.pid() + " " + p.info().commandLine().orElse("?")));
        return left.size();
    }

    private static List<ProcessHandle> leftoverProcesses(Path dir) {
        // a node's arguments name its data dir under the run's (not the run's own: `bench chaos --data DIR`)
        String data = dir.toAbsolutePath() + "/";
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive).filter(p -> {
            String env = environ(p.pid());
            return env.contains("FLOTILLA_TASK_ID=") && env.contains("FLOTILLA_ADDRESS=" + PREFIX)
                    || p.info().arguments().map(a -> List.of(a).stream().anyMatch(s -> s.startsWith(data))).orElse(false);
        }).toList();
    }

    private static String environ(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")));
        } catch (IOException | SecurityException e) {
            return "";
        }
    }
}
