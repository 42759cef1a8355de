package io.flotilla.cli.daemon;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code System.out} and {@code System.err} of the daemon: every write goes to the stream of the
 * command running on the writing thread (or a thread it started: the target is inherited), so
 * commands of several shells run at once without mixing their output. Writes from threads of no
 * command go to what the streams were before.
 */
final class RoutedOutput extends OutputStream {
    private static final InheritableThreadLocal<OutputStream[]> TARGETS = new InheritableThreadLocal<>();

    private final int index;
    private final OutputStream fallback;

    private RoutedOutput(int index, OutputStream fallback) {
        this.index = index;
        this.fallback = fallback;
    }

    /** Replaces System.out and System.err by routed streams; once per process. */
    static void install() {
        System.setOut(new PrintStream(new RoutedOutput(0, System.out), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new RoutedOutput(1, System.err), true, StandardCharsets.UTF_8));
    }

    /** Routes this thread's (and its future children's) output to {@code out} and {@code err}; null: back to the fallback. */
    static void route(OutputStream out, OutputStream err) {
        if (out == null) {
            TARGETS.remove();
        } else {
            TARGETS.set(new OutputStream[] {out, err});
        }
    }

    private OutputStream target() {
        OutputStream[] targets = TARGETS.get();
        return targets == null ? fallback : targets[index];
    }

    @Override
    public void write(int b) throws IOException {
        target().write(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        target().write(bytes, offset, length);
    }

    @Override
    public void flush() throws IOException {
        target().flush();
    }
}
