package io.flotilla.model;

/**
 * One entry of depends_on. {@code service} is the short name within the stack (as written in the
 * file); {@code condition} is {@code service_started} (default), {@code service_healthy} or
 * {@code service_completed_successfully}.
 */
public record DependencySpec(String service, String condition, boolean required) {
    public static final String STARTED = "service_started";
    public static final String HEALTHY = "service_healthy";
    public static final String COMPLETED = "service_completed_successfully";

    public DependencySpec {
        Checks.requireText(service, "dependency service");
        condition = condition == null ? STARTED : condition;
    }
}
