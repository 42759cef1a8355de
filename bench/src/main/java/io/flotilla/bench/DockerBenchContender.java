package io.flotilla.bench;

/** One way of running busybox httpd replicas on the daemon; every method returns seconds. */
interface DockerBenchContender {
    /** From the request to {@code replicas} containers running (then removes them). */
    double converge(int replicas) throws Exception;

    /** From the scale request to {@code to} running, starting from {@code from} running. */
    double scale(int from, int to) throws Exception;

    /** From {@code docker kill} of a replica's container to a new one running in its place (median of several). */
    double killToReplaced() throws Exception;

    /** From the update request to every running replica being a new container. */
    double rollingUpdate(int replicas) throws Exception;
}
