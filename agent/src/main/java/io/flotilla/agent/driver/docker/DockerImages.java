package io.flotilla.agent.driver.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.PullImageCmd;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.PullResponseItem;
import io.flotilla.agent.driver.DriverException;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task's image on this node, per pull policy (missing, always, never, build): pulled with progress,
 * with the registry credentials of {@code ~/.docker/config.json}, one pull per image at a time.
 * An image the daemon lacks is first looked for in the cluster's own store ({@link ClusterImages}:
 * images built by {@code stack deploy}) and loaded from there, except with {@code never}, which
 * uses only what the daemon has; {@code build} never pulls from a registry.
 * A failed pull is a {@link DriverException} with the daemon's reason (the task is rejected).
 */
final class DockerImages {
    private static final Logger log = LoggerFactory.getLogger(DockerDriver.class);

    private final DockerDaemon daemon;
    private final DockerClient client;
    private final InstantSource clock;
    private final Map<String, Object> pullLocks = new ConcurrentHashMap<>();
    /** Where pulls and loads are counted; none until given ({@link DockerDriver#imageMeters}). */
    private volatile ImageMeters meters;

    void meters(ImageMeters imageMeters) {
        this.meters = imageMeters;
    }

    private static void count(io.micrometer.core.instrument.Counter counter) {
        if (counter != null) {
            counter.increment();
        }
    }
    private final ClusterImages cluster;

    DockerImages(DockerDaemon daemon, InstantSource clock, ClusterImages cluster) {
        this.daemon = daemon;
        this.client = daemon.client();
        this.clock = clock;
        this.cluster = cluster;
    }

    /** Makes {@code image} present as {@code pullPolicy} says. */
    void ensure(String image, String pullPolicy, Consumer<String> progress) throws DriverException {
        ImageReference reference = ImageReference.parse(image);
        PullPolicy policy = PullPolicy.parse(pullPolicy);
        if (policy != PullPolicy.ALWAYS && imagePresent(image)) {
            return; // the common case, without waiting for another task's pull
        }
        // One pull per image at a time: fifty replicas starting together pull once.
        synchronized (pullLocks.computeIfAbsent(reference.canonical(), key -> new Object())) {
            if (policy != PullPolicy.NEVER && !imagePresent(image) && load(image, progress)) {
                return;
            }
            switch (policy.decide(imagePresent(image))) {
                case USE_LOCAL -> { }
                case REJECT -> throw new DriverException("image " + image + " is not on this node"
                        + (policy == PullPolicy.BUILD ? " nor stored by the cluster (pull_policy build: deploy the stack"
                        + " again to build and store it)" : " and pull_policy is never"));
                case PULL -> pull(image, reference, progress);
            }
        }
    }

    private boolean imagePresent(String image) throws DriverException {
        try {
            client.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        } catch (RuntimeException e) {
            throw new DriverException("cannot inspect image " + image + ": " + DaemonErrors.reason(e), e);
        }
    }

    /** Loads {@code image} from the cluster's store if it has it there; counts the load. */
    private boolean load(String image, Consumer<String> progress) throws DriverException {
        ImageMeters current = meters;
        try {
            boolean loaded = ClusterImageLoad.load(client, cluster, image, progress);
            if (loaded) {
                count(current == null ? null : current.loaded());
            }
            return loaded;
        } catch (DriverException | RuntimeException e) {
            count(current == null ? null : current.loadFailed());
            throw e;
        }
    }

    private void pull(String image, ImageReference reference, Consumer<String> progress) throws DriverException {
        ImageMeters current = meters;
        try {
            pullOnce(image, reference, progress);
            count(current == null ? null : current.pulled());
        } catch (DriverException | RuntimeException e) {
            count(current == null ? null : current.pullFailed());
            throw e;
        }
    }

    private void pullOnce(String image, ImageReference reference, Consumer<String> progress) throws DriverException {
        log.info("pulling image {}", image);
        progress.accept("pulling image " + image);
        PullProgress summary = new PullProgress(image, clock, progress);
        AtomicReference<String> daemonError = new AtomicReference<>();
        PullImageCmd command = client.pullImageCmd(reference.repository());
        if (reference.digest() != null) {
            command = client.pullImageCmd(reference.canonical());
        } else {
            command.withTag(reference.tag());
        }
        AuthConfig auth = credentials(image);
        if (auth != null) {
            command.withAuthConfig(auth);
        }
        try {
            command.exec(new ResultCallback.Adapter<PullResponseItem>() {
                @Override
                public void onNext(PullResponseItem item) {
                    if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
                        daemonError.set(item.getErrorDetail().getMessage());
                    } else if (item.getError() != null) {
                        daemonError.set(item.getError());
                    }
                    var detail = item.getProgressDetail();
                    summary.update(item.getId(), item.getStatus(), detail == null ? null : detail.getCurrent(),
                            detail == null ? null : detail.getTotal());
                }

                @Override
                public void onError(Throwable error) {
                    daemonError.set(DaemonErrors.reason(error)); // reported by the task, not logged here
                    try {
                        close();
                    } catch (java.io.IOException e) {
                        // closing anyway
                    }
                }
            }).awaitCompletion();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("pull of " + image + " interrupted", e);
        } catch (RuntimeException e) {
            throw new DriverException("cannot pull image " + image + ": " + DaemonErrors.reason(e), e);
        }
        if (daemonError.get() != null) {
            throw new DriverException("cannot pull image " + image + ": " + daemonError.get());
        }
        if (!imagePresent(image)) {
            throw new DriverException("cannot pull image " + image + ": the daemon reports no error, but has no such image");
        }
        progress.accept("pulled image " + image);
    }

    /** Credentials for the image's registry from {@code ~/.docker/config.json}, or null for none. */
    private AuthConfig credentials(String image) {
        try {
            AuthConfig auth = daemon.config().effectiveAuthConfig(image);
            if (auth == null || (auth.getUsername() == null && auth.getAuth() == null && auth.getIdentitytoken() == null
                    && auth.getRegistrytoken() == null)) {
                return null;
            }
            return auth;
        } catch (RuntimeException e) {
            log.warn("cannot read registry credentials for {}: {}", image, e.toString());
            return null;
        }
    }
}
