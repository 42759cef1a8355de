package io.flotilla.mesh;

import java.time.Duration;
import java.util.Objects;

/**
 * Node-wide tuning of the mesh.
 *
 * @param ioThreads          event loops; 0 means one per core
 * @param connectTimeout     how long a backend connect may take before the next backend is tried
 * @param drainTimeout       how long a removed listener or backend keeps serving its in-flight requests
 * @param ejectAfterFailures consecutive connect failures or 5xx answers after which a backend is ejected
 * @param ejectFor           how long an ejected backend gets no new requests
 * @param retryIdempotent    retry a GET/HEAD/OPTIONS/PUT/DELETE once on another backend after a 502/503 or a reset before any response byte
 */
public record MeshOptions(int ioThreads, Duration connectTimeout, Duration drainTimeout,
                          int ejectAfterFailures, Duration ejectFor, boolean retryIdempotent) {
    public MeshOptions {
        if (ioThreads < 0) {
            throw new IllegalArgumentException("ioThreads must not be negative: " + ioThreads);
        }
        positive(connectTimeout, "connectTimeout");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout must not be negative");
        }
        if (ejectAfterFailures < 1) {
            throw new IllegalArgumentException("ejectAfterFailures must be at least 1: " + ejectAfterFailures);
        }
        positive(ejectFor, "ejectFor");
    }

    /** One loop per core, 1 s connect, 30 s drain, eject after 5 failures for 10 s, retries on. */
    public static MeshOptions defaults() {
        return new MeshOptions(0, Duration.ofSeconds(1), Duration.ofSeconds(30), 5, Duration.ofSeconds(10), true);
    }

    public MeshOptions withIoThreads(int ioThreads) {
        return new MeshOptions(ioThreads, connectTimeout, drainTimeout, ejectAfterFailures, ejectFor, retryIdempotent);
    }

    public MeshOptions withConnectTimeout(Duration connectTimeout) {
        return new MeshOptions(ioThreads, connectTimeout, drainTimeout, ejectAfterFailures, ejectFor, retryIdempotent);
    }

    public MeshOptions withDrainTimeout(Duration drainTimeout) {
        return new MeshOptions(ioThreads, connectTimeout, drainTimeout, ejectAfterFailures, ejectFor, retryIdempotent);
    }

    public MeshOptions withEjection(int ejectAfterFailures, Duration ejectFor) {
        return new MeshOptions(ioThreads, connectTimeout, drainTimeout, ejectAfterFailures, ejectFor, retryIdempotent);
    }

    public MeshOptions withRetryIdempotent(boolean retryIdempotent) {
        return new MeshOptions(ioThreads, connectTimeout, drainTimeout, ejectAfterFailures, ejectFor, retryIdempotent);
    }

    private static void positive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}
