package io.flotilla.agent.driver;

/**
 * Runs tasks of one kind ({@code process}, {@code docker}). A driver starts a task so that it
 * outlives the agent, and finds it again through {@link #adopt} after an agent restart.
 */
public interface Driver {
    /** The name in {@code TaskTemplate.driver}. */
    String name();

    TaskHandle start(TaskLaunch launch) throws DriverException;

    /** Looks for a task an earlier agent started, from the record it left in the task directory. */
    Adoption adopt(TaskDirectory directory, TaskRecord record);
}
