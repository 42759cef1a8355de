package io.flotilla.model;

/** deploy.resources: hard limits and the reservations the scheduler must find room for. */
public record ResourcesSpec(Resources limits, Resources reservations) {
    public static final ResourcesSpec NONE = new ResourcesSpec(Resources.NONE, Resources.NONE);

    public ResourcesSpec {
        limits = limits == null ? Resources.NONE : limits;
        reservations = reservations == null ? Resources.NONE : reservations;
    }
}
