package io.flotilla.bench;

/**
 * One operation on one register as a client saw it: {@code invoke} and {@code complete} in the
 * recorder's nanoseconds. A write's {@code value} is what it wrote, a read's what it returned
 * ({@code null}: the register was empty). An {@link Outcome#INFO} operation (a timeout, a broken
 * connection after sending) may or may not have taken effect, so it has no completion:
 * {@code complete} is {@link Long#MAX_VALUE}.
 */
record RegisterOp(int client, Kind kind, String register, String value, long invoke, long complete, Outcome outcome) {
    enum Kind { WRITE, READ }

    /** OK: acknowledged; FAIL: certainly took no effect; INFO: unknown. */
    enum Outcome { OK, FAIL, INFO }

    RegisterOp {
        if (outcome == Outcome.INFO) {
            complete = Long.MAX_VALUE;
        }
        if (complete < invoke) {
            throw new IllegalArgumentException("an operation completes before it is invoked: " + invoke + " > " + complete);
        }
    }

    static RegisterOp write(int client, String register, String value, long invoke, long complete) {
        return new RegisterOp(client, Kind.WRITE, register, value, invoke, complete, Outcome.OK);
    }

    static RegisterOp read(int client, String register, String value, long invoke, long complete) {
        return new RegisterOp(client, Kind.READ, register, value, invoke, complete, Outcome.OK);
    }

    static RegisterOp indeterminateWrite(int client, String register, String value, long invoke) {
        return new RegisterOp(client, Kind.WRITE, register, value, invoke, Long.MAX_VALUE, Outcome.INFO);
    }

    @Override
    public String toString() {
        return String.format("client %d %s %s %s [%d, %s] %s", client, kind, register, value, invoke,
                complete == Long.MAX_VALUE ? "∞" : Long.toString(complete), outcome);
    }
}
