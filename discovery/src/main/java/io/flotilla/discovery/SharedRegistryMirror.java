package io.flotilla.discovery;

import java.util.function.Supplier;

/**
 * A worker's one stream of the managers' registry, shared by everything on the node that answers
 * from it (its DNS server and its mesh): one watch connection and one mirror in memory, however
 * many users. The stream starts with the first {@link #acquire} and stops when the last lease
 * is closed; a later acquire starts a fresh one (after a role change, say).
 */
public final class SharedRegistryMirror {
    /** One user's hold on the shared stream; closing it releases the hold (once). */
    public final class Lease implements AutoCloseable {
        private final RegistryMirrorStream stream;
        private boolean closed;

        private Lease(RegistryMirrorStream stream) {
            this.stream = stream;
        }

        public RegistryMirror mirror() {
            return stream.mirror();
        }

        @Override
        public void close() {
            synchronized (SharedRegistryMirror.this) {
                if (closed) {
                    return;
                }
                closed = true;
                release(stream);
            }
        }
    }

    private final Supplier<RegistryMirrorStream> streams;
    private RegistryMirrorStream stream;
    private int users;

    /** @param streams makes a new, unstarted stream (the node's managers and TLS) */
    public SharedRegistryMirror(Supplier<RegistryMirrorStream> streams) {
        this.streams = streams;
    }

    /** A hold on the stream, started now if nobody held it. */
    public synchronized Lease acquire() {
        if (stream == null) {
            stream = streams.get().start();
        }
        users++;
        return new Lease(stream);
    }

    /** How many leases are open now. */
    public synchronized int users() {
        return users;
    }

    private void release(RegistryMirrorStream released) {
        if (released != stream) {
            return; // a lease on a stream that was already replaced
        }
        if (--users == 0) {
            stream.close();
            stream = null;
        }
    }
}
