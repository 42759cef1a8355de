package io.flotilla.agent.driver;

import io.flotilla.model.Task;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.TaskLogSource;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs tasks of one kind ({@code process}, {@code docker}). A driver starts a task so that it
 * outlives the agent, and finds it again through {@link #adopt} after an agent restart.
 */
public interface Driver extends AutoCloseable {
    /** The name in {@code TaskTemplate.driver}. */
    String name();

    /**
     * Gets what the task needs before it can start (the docker driver pulls its image), telling
     * {@code progress} how it goes. A {@link DriverException} rejects the task: this node cannot run it.
     */
    default void prepare(Task task, Assignment assignment, Consumer<String> progress) throws DriverException {}

    TaskHandle start(TaskLaunch launch) throws DriverException;

    /** Looks for a task an earlier agent started, from the record it left in the task directory. */
    Adoption adopt(TaskDirectory directory, TaskRecord record);

    /**
     * Removes what this driver keeps of tasks not in {@code taskIds} (the docker driver's
     * containers): the agent calls it once it knows what the cluster wants of this node.
     */
    default void retainOnly(Set<String> taskIds) {}

    /** Where this driver's tasks write their output, when not in the task directory. */
    default Optional<TaskLogSource> logSource() {
        return Optional.empty();
    }

    /** Releases the driver's own resources; the tasks keep running. */
    @Override
    default void close() {}
}
