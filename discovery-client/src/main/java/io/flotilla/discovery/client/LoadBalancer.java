package io.flotilla.discovery.client;

import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * Picks an endpoint of a live {@link EndpointList} for each request. {@link #acquire} returns a
 * {@link Lease}; closing it ends the request (what power-of-two-choices counts).
 */
public interface LoadBalancer {
    Lease acquire();

    /** One request on {@code endpoint}; close it when the request is done. */
    interface Lease extends AutoCloseable {
        Endpoint endpoint();

        @Override
        void close();
    }

    static LoadBalancer roundRobin(EndpointList endpoints) {
        return new RoundRobin(endpoints);
    }

    static LoadBalancer powerOfTwoChoices(EndpointList endpoints, RandomGenerator random) {
        return new PowerOfTwoChoices(endpoints, random);
    }

    /** Each endpoint in turn. */
    final class RoundRobin implements LoadBalancer {
        private final EndpointList endpoints;
        private final AtomicLong next = new AtomicLong();

        RoundRobin(EndpointList endpoints) {
            this.endpoints = endpoints;
        }

        @Override
        public Lease acquire() {
            List<Endpoint> current = endpoints.current();
            if (current.isEmpty()) {
                throw new NoSuchElementException("no endpoint available");
            }
            Endpoint chosen = current.get((int) Math.floorMod(next.getAndIncrement(), (long) current.size()));
            return new Lease() {
                @Override
                public Endpoint endpoint() {
                    return chosen;
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /**
     * Two endpoints drawn at random; the one with fewer requests outstanding (from this client)
     * wins. Nearly as good as least-outstanding over all, at O(1), and without herding on the one
     * least loaded endpoint (Mitzenmacher).
     */
    final class PowerOfTwoChoices implements LoadBalancer {
        private final EndpointList endpoints;
        private final RandomGenerator random;
        private final Map<String, AtomicInteger> outstanding = new ConcurrentHashMap<>();

        PowerOfTwoChoices(EndpointList endpoints, RandomGenerator random) {
            this.endpoints = endpoints;
            this.random = random;
        }

        @Override
        public Lease acquire() {
            List<Endpoint> current = endpoints.current();
            if (current.isEmpty()) {
                throw new NoSuchElementException("no endpoint available");
            }
            Endpoint chosen;
            if (current.size() == 1) {
                chosen = current.getFirst();
            } else {
                int a = random.nextInt(current.size());
                int b = random.nextInt(current.size() - 1);
                if (b >= a) {
                    b++;
                }
                Endpoint first = current.get(a);
                Endpoint second = current.get(b);
                chosen = outstanding(first).get() <= outstanding(second).get() ? first : second;
            }
            AtomicInteger counter = outstanding(chosen);
            counter.incrementAndGet();
            return new Lease() {
                private boolean closed;

                @Override
                public Endpoint endpoint() {
                    return chosen;
                }

                @Override
                public synchronized void close() {
                    if (!closed) {
                        closed = true;
                        counter.decrementAndGet();
                    }
                }
            };
        }

        /** Requests in flight on {@code endpoint}. */
        public int outstanding(String endpointId) {
            AtomicInteger counter = outstanding.get(endpointId);
            return counter == null ? 0 : counter.get();
        }

        private AtomicInteger outstanding(Endpoint endpoint) {
            return outstanding.computeIfAbsent(endpoint.id(), id -> new AtomicInteger());
        }
    }
}
