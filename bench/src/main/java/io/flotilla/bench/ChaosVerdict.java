package io.flotilla.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chaos run's checks on its history, per register (a register's history is checked alone:
 * linearizability composes). <b>Lost acknowledged writes</b>: the writes and the final reads (every
 * manager, after convergence) alone — the final value must be one a linearization of the writes can
 * end on, so an acknowledged write overwritten by nothing later and missing, or a value nobody wrote,
 * shows. <b>Reads of a value never written</b>: any read answering a value no write had been sent
 * with by then. <b>Linearizability</b>: the writes, the reads (consistent ones: {@code ?consistent},
 * a Raft read index, docs/api.md) and the final reads. Every failing register's smallest failing window is written to
 * {@code dir/violation-<register>-<check>.txt}.
 */
record ChaosVerdict(int lostWrites, int neverWritten, int violations, int unknown, List<Path> windows) {
    static ChaosVerdict check(List<RegisterOp> history, List<RegisterOp> finalReads, List<String> registers, Path dir)
            throws IOException {
        List<RegisterOp> reads = new ArrayList<>(of(history, null, RegisterOp.Kind.READ));
        reads.addAll(finalReads);
        int neverWritten = (int) reads.stream().filter(read -> read.value() != null && history.stream().noneMatch(
                w -> w.kind() == RegisterOp.Kind.WRITE && w.outcome() != RegisterOp.Outcome.FAIL
                        && w.register().equals(read.register()) && w.value().equals(read.value()) && w.invoke() <= read.complete()))
                .count();
        int lost = 0;
        int violations = 0;
        int unknown = 0;
        List<Path> windows = new ArrayList<>();
        for (String register : registers) {
            List<RegisterOp> writes = new ArrayList<>(of(history, register, RegisterOp.Kind.WRITE));
            List<RegisterOp> finals = of(finalReads, register, RegisterOp.Kind.READ);
            List<RegisterOp> lostCheck = new ArrayList<>(writes);
            lostCheck.addAll(finals);
            List<RegisterOp> all = new ArrayList<>(of(history, register, null));
            all.addAll(finals);
            Map<String, List<RegisterOp>> checks = new LinkedHashMap<>();
            checks.put("lost-write", lostCheck);
            checks.put("linearizability", all);
            for (Map.Entry<String, List<RegisterOp>> check : checks.entrySet()) {
                LinearizabilityChecker.Verdict verdict = LinearizabilityChecker.check(check.getValue());
                if (verdict == LinearizabilityChecker.Verdict.UNKNOWN) {
                    unknown++;
                } else if (verdict == LinearizabilityChecker.Verdict.VIOLATION) {
                    if (check.getKey().equals("lost-write")) {
                        lost++;
                    } else {
                        violations++;
                    }
                    Path file = dir.resolve("violation-" + register + "-" + check.getKey() + ".txt");
                    HistoryWindow.write(file, check.getKey() + " on register " + register,
                            HistoryWindow.minimize(check.getValue()));
                    windows.add(file);
                }
            }
        }
        return new ChaosVerdict(lost, neverWritten, violations, unknown, List.copyOf(windows));
    }

    /**
     * {@code history} with one more acknowledged write on {@code register} that no manager ever saw,
     * after every other operation and before the final reads: what a client dropping a request but
     * recording its acknowledgement (a harness bug, or a cluster lying) leaves. The checks must call
     * it lost ({@code --test-drop-ack}, and the tests).
     */
    static List<RegisterOp> withDroppedAck(List<RegisterOp> history, String register, long beforeFinalReads) {
        List<RegisterOp> out = new ArrayList<>(history);
        out.add(RegisterOp.write(-1, register, "never-sent", beforeFinalReads - 2, beforeFinalReads - 1));
        return out;
    }

    boolean ok() {
        return lostWrites == 0 && neverWritten == 0 && unknown == 0 && violations == 0;
    }

    private static List<RegisterOp> of(List<RegisterOp> ops, String register, RegisterOp.Kind kind) {
        return ops.stream().filter(op -> (register == null || op.register().equals(register))
                && (kind == null || op.kind() == kind)).toList();
    }
}
