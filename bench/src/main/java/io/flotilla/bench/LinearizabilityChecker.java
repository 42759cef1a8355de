package io.flotilla.bench;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether a history of one register's operations is linearizable: the Wing–Gong search with Lowe's
 * memoization, as Porcupine does it. Calls and returns are laid out in time order (a call before a
 * return at the same instant, so touching operations count as concurrent); the search walks the
 * list, linearizing a call whose operation the register allows in its current state, and backtracks
 * when it meets the return of an operation not yet linearized. A (linearized set, register value)
 * pair seen before is not searched again, which keeps the search polynomial for the histories a
 * few clients make.
 *
 * <p>An indeterminate write's return lies after every other event: it may be linearized anywhere
 * after its call, or never (reaching only such returns means every acknowledged operation found a
 * place). Failed operations and indeterminate reads say nothing and are left out.
 */
final class LinearizabilityChecker {
    /** The register's value before any write is known ({@link #check(List, boolean)} on a window). */
    private static final String ANY = "\0any";

    /** Operations the search may visit before giving up: a pathological history ends as "unknown", not a hang. */
    static final long BUDGET = 20_000_000;

    enum Verdict { LINEARIZABLE, VIOLATION, UNKNOWN }

    private LinearizabilityChecker() {}

    /** The register starts empty ({@code null}). */
    static Verdict check(List<RegisterOp> history) {
        return check(history, false);
    }

    /** @param unknownStart the register's first value is unknown (the first read fixes it): for a window cut from a history */
    static Verdict check(List<RegisterOp> history, boolean unknownStart) {
        List<RegisterOp> ops = relevant(history);
        List<Entry> events = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            events.add(new Entry(i, true, ops.get(i).invoke()));
            events.add(new Entry(i, false, ops.get(i).complete()));
        }
        events.sort(Comparator.comparingLong(Entry::time).thenComparing(e -> !e.call()));
        // a doubly linked list over the events, so that lifting and unlifting an operation is O(1)
        int n = events.size();
        int[] next = new int[n + 1];
        int[] prev = new int[n + 1];
        int[] callAt = new int[ops.size()];
        int[] returnAt = new int[ops.size()];
        int head = n; // sentinel
        for (int i = 0; i < n; i++) {
            Entry e = events.get(i);
            if (e.call()) {
                callAt[e.op()] = i;
            } else {
                returnAt[e.op()] = i;
            }
        }
        for (int i = 0; i < n; i++) {
            next[i] = i + 1;
            prev[i] = i == 0 ? head : i - 1;
        }
        next[head] = n == 0 ? head : 0;
        prev[head] = n == 0 ? head : n - 1;
        BitSet linearized = new BitSet(ops.size());
        Set<Memo> seen = new HashSet<>();
        List<Frame> stack = new ArrayList<>();
        String state = unknownStart ? ANY : encode(null);
        int cursor = next[head];
        long visits = 0;
        while (true) {
            if (cursor == head || ops.get(events.get(cursor).op()).outcome() == RegisterOp.Outcome.INFO
                    && !events.get(cursor).call()) {
                return Verdict.LINEARIZABLE;
            }
            if (++visits > BUDGET) {
                return Verdict.UNKNOWN;
            }
            Entry e = events.get(cursor);
            if (e.call()) {
                RegisterOp op = ops.get(e.op());
                String after = step(state, op);
                if (after != null) {
                    BitSet with = (BitSet) linearized.clone();
                    with.set(e.op());
                    if (seen.add(new Memo(with, after))) {
                        stack.add(new Frame(e.op(), state));
                        linearized = with;
                        state = after;
                        lift(callAt[e.op()], next, prev);
                        lift(returnAt[e.op()], next, prev);
                        cursor = next[head];
                        continue;
                    }
                }
                cursor = next[cursor];
            } else {
                if (stack.isEmpty()) {
                    return Verdict.VIOLATION;
                }
                Frame top = stack.removeLast();
                state = top.state();
                linearized.clear(top.op());
                unlift(returnAt[top.op()], next, prev);
                unlift(callAt[top.op()], next, prev);
                cursor = next[callAt[top.op()]];
            }
        }
    }

    /** The register's value after {@code op}, or null when the register, holding {@code state}, cannot answer so. */
    private static String step(String state, RegisterOp op) {
        if (op.kind() == RegisterOp.Kind.WRITE) {
            return encode(op.value());
        }
        if (ANY.equals(state) || state.equals(encode(op.value()))) {
            return encode(op.value());
        }
        return null;
    }

    /** Empty registers as a non-null key ({@code null} means "refused" in {@link #step}). */
    private static String encode(String value) {
        return value == null ? "\0empty" : value;
    }

    /**
     * Acknowledged operations, and the writes that may have happened and were read; failures and
     * unanswered reads say nothing. An indeterminate write whose value no read returned is left out
     * too: with every write's value unique (as the chaos clients make them), a linearization with it
     * stays one without it, since no read can fall between it and the next write. Keeping them would
     * make the search try every subset of them (each may land anywhere after its call): after a
     * leader kill there are dozens.
     */
    static List<RegisterOp> relevant(List<RegisterOp> history) {
        java.util.Set<String> read = new java.util.HashSet<>();
        history.stream().filter(op -> op.kind() == RegisterOp.Kind.READ && op.outcome() == RegisterOp.Outcome.OK)
                .forEach(op -> read.add(encode(op.value())));
        return history.stream().filter(op -> op.outcome() == RegisterOp.Outcome.OK
                || op.outcome() == RegisterOp.Outcome.INFO && op.kind() == RegisterOp.Kind.WRITE
                        && read.contains(encode(op.value()))).toList();
    }

    private static void lift(int i, int[] next, int[] prev) {
        next[prev[i]] = next[i];
        prev[next[i]] = prev[i];
    }

    private static void unlift(int i, int[] next, int[] prev) {
        next[prev[i]] = i;
        prev[next[i]] = i;
    }

    private record Entry(int op, boolean call, long time) {}

    private record Frame(int op, String state) {}

    private record Memo(BitSet linearized, String state) {}
}
