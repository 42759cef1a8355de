package io.flotilla.bench;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ApiException;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.ServiceUpdateRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The chaos run's client of the cluster's desired state: it deploys and removes {@value #STACKS} small
 * stacks ({@code chaos-s<i>}, one {@code sleep} task each) and scales {@code chaos_sleep} between 1 and
 * 3, each change through a random manager every 0.3–0.8 s; about one change in six is instead a rolling
 * update of the web service {@link ChaosHttp#SERVICE} (its {@link ChaosHttp#GENERATION} set to the next
 * {@code g<n>}), under the HTTP load. Each is a register for the same checks as the labels: a stack's
 * value is {@code present} or {@code absent}, the service's its replicas, the web service's its generation; an
 * acknowledged change must survive ({@link #lost}). Removing a stack that is not there
 * (404) leaves it absent: an acknowledged write of {@code absent}. After convergence every manager is
 * asked for every register (the final reads), and the cluster must run exactly what they say.
 */
final class ChaosStacks {
    static final int STACKS = 2;
    static final String PRESENT = "present";
    static final String ABSENT = "absent";
    private static final int CLIENT = 500;
    /** The register of the web service's generation (its rolling updates). */
    static final String GENERATION_REGISTER = "generation-" + ChaosHttp.SERVICE;

    private final List<String> managers;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<RegisterOp> history = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private int generation;
    private Thread thread;

    ChaosStacks(List<String> managers) {
        this.managers = List.copyOf(managers);
    }

    static String stack(int i) {
        return "chaos-s" + i;
    }

    /** The registers: {@code stack-chaos-s<i>}, {@code replicas-chaos_sleep} and {@code generation-chaos_web}. */
    static List<String> registers() {
        List<String> registers = new ArrayList<>();
        for (int i = 0; i < STACKS; i++) {
            registers.add("stack-" + stack(i));
        }
        registers.add("replicas-" + ChaosRun.SERVICE);
        registers.add(GENERATION_REGISTER);
        return List.copyOf(registers);
    }

    /** Deploys every small stack through {@code api} before the run, recorded as acknowledged writes (with the service's replicas). */
    void deployAll(String api) {
        for (int i = 0; i < STACKS; i++) {
            long invoke = System.nanoTime();
            new ApiClient(api).deploy(spec(i));
            history.add(RegisterOp.write(CLIENT, "stack-" + stack(i), PRESENT, invoke, System.nanoTime()));
        }
        long now = System.nanoTime();
        history.add(RegisterOp.write(CLIENT, "replicas-" + ChaosRun.SERVICE, Integer.toString(ChaosRun.REPLICAS), now - 2, now - 1));
        history.add(RegisterOp.write(CLIENT, GENERATION_REGISTER, "g0", now - 2, now - 1)); // deployed with the run's stack
    }

    /** The rolling updates of the web service acknowledged. */
    static long rollouts(List<RegisterOp> history) {
        return history.stream().filter(op -> op.register().equals(GENERATION_REGISTER) && op.outcome() == RegisterOp.Outcome.OK).count() - 1;
    }

    void start(long seed) {
        Random random = new Random(seed * 31 + CLIENT);
        thread = new Thread(() -> {
            while (!stop.get()) {
                change(random);
                try {
                    Thread.sleep(300 + random.nextInt(500));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "chaos-stacks");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(java.time.Duration wait) throws InterruptedException {
        stop.set(true);
        if (thread != null) {
            thread.join(wait);
        }
    }

    List<RegisterOp> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    Map<String, Long> failures() {
        Map<String, Long> out = new java.util.TreeMap<>();
        failures.forEach((cause, n) -> out.put(cause, n.sum()));
        return out;
    }

    /** Every register read through every manager (after convergence). */
    List<RegisterOp> finalReads() {
        List<RegisterOp> reads = new ArrayList<>();
        for (int m = 0; m < managers.size(); m++) {
            ApiClient client = new ApiClient(managers.get(m));
            for (int i = 0; i < STACKS; i++) {
                long invoke = System.nanoTime();
                boolean present = !client.services(stack(i)).isEmpty();
                reads.add(RegisterOp.read(1100 + m, "stack-" + stack(i), present ? PRESENT : ABSENT, invoke, System.nanoTime()));
            }
            long invoke = System.nanoTime();
            int replicas = client.service(ChaosRun.SERVICE).spec().replicas();
            reads.add(RegisterOp.read(1100 + m, "replicas-" + ChaosRun.SERVICE, Integer.toString(replicas), invoke, System.nanoTime()));
            invoke = System.nanoTime();
            String current = client.service(ChaosHttp.SERVICE).spec().task().environment().get(ChaosHttp.GENERATION);
            reads.add(RegisterOp.read(1100 + m, GENERATION_REGISTER, current, invoke, System.nanoTime()));
        }
        return reads;
    }

    /**
     * The registers whose final reads no acknowledged change explains. The changes come from one client,
     * one after the other, so each register's history is a sequence: its final value must be the last
     * acknowledged change's, or that of any indeterminate change (a timeout, a 503, a broken
     * connection). An indeterminate change may land at any time after it was sent — also after later
     * changes, when a manager's request to the leader is retried after the client gave up — so one sent
     * before the last acknowledged change can still be the last to land. An acknowledged change that
     * came earlier cannot. An exact check with no search, because these values repeat ({@code present},
     * {@code absent}, 1–3), where the label registers' values are unique.
     */
    static List<String> lost(List<RegisterOp> history, List<RegisterOp> finalReads) {
        List<String> lost = new ArrayList<>();
        for (String register : registers()) {
            List<RegisterOp> writes = history.stream().filter(op -> op.register().equals(register)
                    && op.kind() == RegisterOp.Kind.WRITE).sorted(java.util.Comparator.comparingLong(RegisterOp::invoke)).toList();
            int last = -1;
            for (int i = 0; i < writes.size(); i++) {
                if (writes.get(i).outcome() == RegisterOp.Outcome.OK) {
                    last = i;
                }
            }
            if (last < 0) {
                continue;
            }
            java.util.Set<String> explained = new java.util.HashSet<>();
            explained.add(writes.get(last).value());
            writes.stream().filter(op -> op.outcome() == RegisterOp.Outcome.INFO).forEach(op -> explained.add(op.value()));
            for (RegisterOp read : finalReads) {
                if (read.register().equals(register) && !explained.contains(read.value())) {
                    lost.add(register + ": a manager answers " + read.value() + " after the acknowledged change to "
                            + writes.get(last).value() + " (change " + (last + 1) + " of " + writes.size() + "; the last changes: "
                            + writes.subList(Math.max(0, writes.size() - 6), writes.size()).stream()
                                    .map(op -> op.value() + " " + op.outcome()).toList() + ")");
                }
            }
        }
        return lost;
    }

    private void change(Random random) {
        ApiClient client = new ApiClient(managers.get(random.nextInt(managers.size())));
        int what = random.nextInt(3);
        String register;
        String value;
        Runnable call;
        if (random.nextInt(6) == 0) {
            register = GENERATION_REGISTER;
            value = "g" + ++generation;
            call = () -> client.updateService(ChaosHttp.SERVICE, new ServiceUpdateRequest(null, Map.of(ChaosHttp.GENERATION, value),
                    null, null, null, null, null, null, null, null, null, null, false));
        } else if (what == 0) {
            int replicas = 1 + random.nextInt(3);
            register = "replicas-" + ChaosRun.SERVICE;
            value = Integer.toString(replicas);
            call = () -> client.scale(ChaosRun.SERVICE, replicas);
        } else {
            int i = random.nextInt(STACKS);
            register = "stack-" + stack(i);
            boolean deploy = random.nextBoolean();
            value = deploy ? PRESENT : ABSENT;
            call = deploy ? () -> client.deploy(spec(i)) : () -> removeIfThere(client, stack(i));
        }
        long invoke = System.nanoTime();
        RegisterOp.Outcome outcome;
        try {
            call.run();
            outcome = RegisterOp.Outcome.OK;
        } catch (ApiException e) {
            outcome = ChaosClients.neverSent(e) ? RegisterOp.Outcome.FAIL : RegisterOp.Outcome.INFO;
            failures.computeIfAbsent("change " + ChaosClients.cause(e), k -> new LongAdder()).increment();
        }
        history.add(new RegisterOp(CLIENT, RegisterOp.Kind.WRITE, register, value, invoke, System.nanoTime(), outcome));
    }

    private static void removeIfThere(ApiClient client, String stack) {
        try {
            client.removeStack(stack);
        } catch (ApiException e) {
            if (e.status() != 404) {
                throw e;
            }
        }
    }

    private static StackSpec spec(int i) {
        String stack = stack(i);
        return new StackSpec(stack, List.of(new ServiceSpec(stack + "_sleep", stack, ServiceMode.REPLICATED, 1,
                TaskTemplate.process(List.of("sleep", "1000000")), List.of(), List.of(), Map.of(), null, null)));
    }
}
