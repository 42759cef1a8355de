package io.flotilla.manager.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Cuts what one task writes into lines and writes each, with the task's prefix, to a sink shared
 * by several tasks: the sink's monitor is held for a whole line, so lines never interleave
 * mid-way. Each line is flushed, so that a follower sees it at once.
 */
final class LinePrefixingOutputStream extends OutputStream {
    private final OutputStream sink;
    private final byte[] prefix;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LinePrefixingOutputStream(OutputStream sink, String prefix) {
        this.sink = sink;
        this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void write(int b) throws IOException {
        line.write(b);
        if (b == '\n') {
            emit();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int start = off;
        for (int i = off; i < off + len; i++) {
            if (b[i] == '\n') {
                line.write(b, start, i + 1 - start);
                emit();
                start = i + 1;
            }
        }
        line.write(b, start, off + len - start);
    }

    private void emit() throws IOException {
        synchronized (sink) {
            sink.write(prefix);
            line.writeTo(sink);
            sink.flush();
        }
        line.reset();
    }

    /** Writes a last line that had no newline. Does not close the shared sink. */
    @Override
    public void close() throws IOException {
        if (line.size() > 0) {
            line.write('\n');
            emit();
        }
    }
}
