package io.flotilla.model;

import java.util.Map;

/**
 * How a named volume is provided, from the stack file's top-level {@code volumes:} entry (or the
 * defaults when a service names a volume declared without options).
 *
 * @param driver     {@link #LOCAL} (default: a directory on the node that runs the task, which binds
 *                   the task to that node) or {@link #GLUSTERFS} (a directory in a GlusterFS volume,
 *                   mounted with the FUSE client wherever the task runs)
 * @param driverOpts the driver's options; for glusterfs {@code servers} ("h1,h2,h3") and
 *                   {@code volume} ("gv0"), each falling back to the cluster-wide defaults
 * @param labels     the volume's labels (shown by {@code volume inspect})
 * @param external   true when the volume is made outside the stack ({@code external: true}): its
 *                   name is used as is and {@code stack rm --volumes} never removes it
 */
public record VolumeOptions(String driver, Map<String, String> driverOpts, Map<String, String> labels,
                            boolean external) {
    public static final String LOCAL = "local";
    public static final String GLUSTERFS = "glusterfs";
    public static final VolumeOptions DEFAULT = new VolumeOptions(LOCAL, Map.of(), Map.of(), false);

    public VolumeOptions {
        driver = driver == null || driver.isBlank() ? LOCAL : driver;
        driverOpts = Checks.map(driverOpts);
        labels = Checks.map(labels);
    }

    /** True when the data lives on one node only (and a task using it is bound to that node). */
    public boolean nodeLocal() {
        return LOCAL.equals(driver);
    }
}
