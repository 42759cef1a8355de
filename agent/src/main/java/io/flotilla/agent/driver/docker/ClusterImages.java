package io.flotilla.agent.driver.docker;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where a node gets the images the cluster stores for itself (built by {@code stack build} or
 * {@code deploy}): the archive of a reference from the node's manager, or null when the cluster
 * stores no such image. {@link #NONE} for a driver without a cluster (tests, {@code flotilla dev}
 * builds on the local daemon anyway).
 */
@FunctionalInterface
public interface ClusterImages {
    ClusterImages NONE = reference -> null;

    InputStream open(String reference) throws IOException;
}
