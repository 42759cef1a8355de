package io.flotilla.discovery.dns;

import java.net.InetAddress;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A token bucket per client address for forwarded queries: {@code perSecond} tokens a second up
 * to {@code burst}; a forward takes one. Buckets live in an access-ordered map of at most
 * {@code maxClients}, the least recently seen evicted first, so a flood from many addresses costs
 * bounded memory (an evicted client comes back with a full bucket, which is no more than a new
 * one gets). Time comes from the injected clock, so tests step it.
 */
final class ForwardRateLimiter {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final InstantSource clock;
    private final long perSecond;
    private final long burst;
    private final Map<InetAddress, Bucket> buckets;

    /** Tokens are counted in nanosecond-tokens (1 token = 1e9), so refills need no fractions. */
    private static final class Bucket {
        long tokens;
        long updatedNanos;
    }

    ForwardRateLimiter(InstantSource clock, int perSecond, int burst, int maxClients) {
        this.clock = clock;
        this.perSecond = perSecond;
        this.burst = burst;
        this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, Bucket> eldest) {
                return size() > maxClients;
            }
        };
    }

    /** True, taking a token, if {@code client} is within its rate. */
    synchronized boolean tryAcquire(InetAddress client) {
        long now = nanos();
        Bucket bucket = buckets.get(client);
        if (bucket == null) {
            bucket = new Bucket();
            bucket.tokens = burst * NANOS_PER_SECOND;
            bucket.updatedNanos = now;
            buckets.put(client, bucket);
        }
        long elapsed = Math.max(0, now - bucket.updatedNanos);
        // elapsed * perSecond overflows only after ~292 years / perSecond: cap elapsed at a refill
        long fullAfter = burst * NANOS_PER_SECOND / perSecond + 1;
        bucket.tokens = Math.min(burst * NANOS_PER_SECOND, bucket.tokens + Math.min(elapsed, fullAfter) * perSecond);
        bucket.updatedNanos = now;
        if (bucket.tokens < NANOS_PER_SECOND) {
            return false;
        }
        bucket.tokens -= NANOS_PER_SECOND;
        return true;
    }

    synchronized int trackedClients() {
        return buckets.size();
    }

    private long nanos() {
        java.time.Instant now = clock.instant();
        return now.getEpochSecond() * NANOS_PER_SECOND + now.getNano();
    }
}
