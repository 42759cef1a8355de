package io.flotilla.model;

/** An amount of node resources: CPUs in billionths (as Docker's NanoCPUs), memory in bytes, pids. */
public record Resources(long nanoCpus, long memoryBytes, long pids) {
    public static final Resources NONE = new Resources(0, 0, 0);

    public Resources {
        if (nanoCpus < 0 || memoryBytes < 0 || pids < 0) {
            throw new IllegalArgumentException("resources must not be negative");
        }
    }

    public Resources plus(Resources other) {
        return new Resources(nanoCpus + other.nanoCpus, memoryBytes + other.memoryBytes, pids + other.pids);
    }

    public Resources minus(Resources other) {
        return new Resources(Math.max(0, nanoCpus - other.nanoCpus), Math.max(0, memoryBytes - other.memoryBytes),
                Math.max(0, pids - other.pids));
    }

    /** True when every amount asked for fits in this one. */
    public boolean fits(Resources asked) {
        return asked.nanoCpus <= nanoCpus && asked.memoryBytes <= memoryBytes;
    }

    public boolean isEmpty() {
        return nanoCpus == 0 && memoryBytes == 0 && pids == 0;
    }
}
