package io.flotilla.agent.driver.docker;

import com.github.dockerjava.api.DockerClient;
import io.flotilla.agent.driver.DriverException;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads an image the cluster stores for itself into this node's daemon ({@code docker load} of the
 * archive its manager streams), so a built image runs on any node, one that joined later included,
 * without a registry. The daemon checks the archive's layers against the image's config as it
 * loads; the managers checked the archive's digest when they stored it.
 */
final class ClusterImageLoad {
    private static final Logger log = LoggerFactory.getLogger(DockerDriver.class);

    private ClusterImageLoad() {}

    /** True when the cluster had the image and the daemon has it now; false when the cluster stores no such image. */
    static boolean load(DockerClient client, ClusterImages cluster, String image, Consumer<String> progress)
            throws DriverException {
        try (InputStream archive = cluster.open(image)) {
            if (archive == null) {
                return false;
            }
            progress.accept("loading image " + image + " from the cluster");
            log.info("loading image {} from the cluster's image store", image);
            client.loadImageCmd(archive).exec();
        } catch (IOException e) {
            throw new DriverException("cannot fetch image " + image + " from the cluster: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new DriverException("cannot load image " + image + " from the cluster: " + DaemonErrors.reason(e), e);
        }
        try {
            client.inspectImageCmd(image).exec();
        } catch (RuntimeException e) {
            throw new DriverException("loaded the cluster's archive of " + image + ", but the daemon has no such image"
                    + " now: " + DaemonErrors.reason(e), e);
        }
        progress.accept("loaded image " + image + " from the cluster");
        return true;
    }
}
