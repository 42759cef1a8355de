package io.flotilla.manager.raft;

import java.nio.charset.StandardCharsets;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The term a leader's decision was made in, carried with the command: a leader that stalled, or
 * lost its office while it decided, must not have its decision appended by the next leader. The
 * chaos run saw it: an old leader woke from a 1.3 s stall, judged three nodes down on heartbeats it
 * had not read meanwhile, and its Raft client, told it no longer led, sent the verdict on to the new
 * leader, which committed it. Swarm's managers never forward a proposal to another peer; Flotilla's
 * clients do (every write goes to whichever manager leads), so the leader that receives a fenced
 * command checks it instead ({@link ClusterStateMachine#preAppendTransaction}, under Ratis' server
 * lock, where the current term is the term the entry would be written in) and refuses it when the
 * terms differ: no entry is written, and every manager's state stays the same.
 *
 * <p>The term rides in the command's JSON as one more property, {@value #PROPERTY}, last: a
 * manager of the previous release reads the command as before (unknown properties are ignored), and
 * a leader of that release appends it unchecked, as it always did. It is found without parsing the
 * JSON: at the end of the bytes, {@code ,"decidedInTerm":N}} cannot come from a string value, in
 * which a quote is escaped.
 */
final class TermFence {
    /** The property that carries the term. */
    static final String PROPERTY = "decidedInTerm";
    /** No term: an ordinary write, which any leader appends. */
    static final long NONE = -1;
    private static final byte[] MARK = (",\"" + PROPERTY + "\":").getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_DIGITS = 19;

    private TermFence() {}

    /** {@code command} (a JSON object) with {@code term} as its last property. */
    static byte[] attach(byte[] command, long term) {
        if (term < 0) {
            throw new IllegalArgumentException("a term is not negative: " + term);
        }
        int end = command.length - 1;
        if (end < 1 || command[end] != '}' || command[end - 1] == '{') {
            throw new IllegalArgumentException("not a JSON object with properties");
        }
        byte[] digits = Long.toString(term).getBytes(StandardCharsets.US_ASCII);
        byte[] fenced = new byte[end + MARK.length + digits.length + 1];
        System.arraycopy(command, 0, fenced, 0, end);
        System.arraycopy(MARK, 0, fenced, end, MARK.length);
        System.arraycopy(digits, 0, fenced, end + MARK.length, digits.length);
        fenced[fenced.length - 1] = '}';
        return fenced;
    }

    /** The term {@code data} was decided in, or {@link #NONE} for an unfenced command. */
    static long of(ByteString data) {
        int end = data.size() - 1;
        if (end < 0 || data.byteAt(end) != '}') {
            return NONE;
        }
        int first = end;
        while (first > 0 && end - first < MAX_DIGITS && isDigit(data.byteAt(first - 1))) {
            first--;
        }
        int mark = first - MARK.length;
        if (first == end || mark < 0) {
            return NONE;
        }
        for (int i = 0; i < MARK.length; i++) {
            if (data.byteAt(mark + i) != MARK[i]) {
                return NONE;
            }
        }
        return Long.parseLong(data.substring(first, end).toString(StandardCharsets.US_ASCII));
    }

    /** Why a leader refuses a command decided in {@code decided} while the term is {@code current}; null if it does not. */
    static String refusal(long decided, long current) {
        return decided == NONE || decided == current ? null
                : "a leader's decision of term " + decided + " reached the leader of term " + current
                        + " and was not appended: it was decided by a leader that no longer leads";
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
