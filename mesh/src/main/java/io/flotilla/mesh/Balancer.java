package io.flotilla.mesh;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks a backend for one request (HTTP) or connection (TCP).
 *
 * <ul>
 *   <li>P2C: two distinct random candidates, the one with fewer outstanding requests wins —
 *       nearly as good as least-loaded, without a global scan or lock.</li>
 *   <li>ROUND_ROBIN: a shared cursor over the candidates.</li>
 *   <li>STICKY_CLIENT_IP: rendezvous hashing of the client address, so removing a backend moves
 *       only its own clients.</li>
 *   <li>STICKY_COOKIE: the backend the cookie names if it is still a candidate, else P2C (the
 *       proxy then sets the cookie).</li>
 * </ul>
 *
 * Candidates are the backends neither ejected nor already tried for this request. When every
 * untried backend is ejected, the ejected ones are used anyway (a panic mode, as Envoy's): passive
 * health must not turn a few errors into a full outage.
 */
final class Balancer {
    private Balancer() {}

    /** @return the chosen backend, or null when every backend has been tried (or there are none) */
    static BackendState pick(RouteState route, String clientIp, String stickyId, List<BackendState> tried) {
        BackendState[] all = route.backends;
        int healthy = 0;
        int untried = 0;
        for (BackendState backend : all) {
            if (!tried.contains(backend)) {
                untried++;
                if (!backend.isEjected()) {
                    healthy++;
                }
            }
        }
        if (untried == 0) {
            return null;
        }
        boolean panic = healthy == 0;
        int count = panic ? untried : healthy;
        return switch (route.route.balancing()) {
            case P2C -> powerOfTwo(all, tried, panic, count);
            case ROUND_ROBIN -> nth(all, tried, panic, Math.floorMod(route.roundRobin.getAndIncrement(), count));
            case STICKY_CLIENT_IP -> clientIp == null ? powerOfTwo(all, tried, panic, count) : rendezvous(all, tried, panic, clientIp);
            case STICKY_COOKIE -> {
                BackendState named = stickyId == null ? null : route.byId(stickyId);
                yield named != null && !tried.contains(named) && (panic || !named.isEjected())
                        ? named : powerOfTwo(all, tried, panic, count);
            }
        };
    }

    private static boolean candidate(BackendState backend, List<BackendState> tried, boolean panic) {
        return !tried.contains(backend) && (panic || !backend.isEjected());
    }

    private static BackendState nth(BackendState[] all, List<BackendState> tried, boolean panic, int n) {
        for (BackendState backend : all) {
            if (candidate(backend, tried, panic) && n-- == 0) {
                return backend;
            }
        }
        throw new IllegalStateException("candidate count changed");
    }

    private static BackendState powerOfTwo(BackendState[] all, List<BackendState> tried, boolean panic, int count) {
        if (count == 1) {
            return nth(all, tried, panic, 0);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int first = random.nextInt(count);
        int second = random.nextInt(count - 1);
        if (second >= first) {
            second++;
        }
        BackendState a = nth(all, tried, panic, first);
        BackendState b = nth(all, tried, panic, second);
        return b.outstanding.get() < a.outstanding.get() ? b : a;
    }

    private static BackendState rendezvous(BackendState[] all, List<BackendState> tried, boolean panic, String key) {
        BackendState best = null;
        long bestScore = Long.MIN_VALUE;
        int keyHash = key.hashCode();
        for (BackendState backend : all) {
            if (candidate(backend, tried, panic)) {
                long score = mix(keyHash * 31L + backend.backend.id().hashCode());
                if (best == null || score > bestScore) {
                    best = backend;
                    bestScore = score;
                }
            }
        }
        return best;
    }

    /** SplitMix64's finaliser: spreads similar keys (neighbouring IPs) over all backends. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
