package io.flotilla.agent;

import io.flotilla.agent.driver.Adoption;
import io.flotilla.agent.driver.Driver;
import io.flotilla.agent.driver.DriverException;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.agent.driver.TaskLaunch;
import io.flotilla.agent.driver.TaskRecord;
import io.flotilla.model.Task;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.TaskLogSource;
import io.micrometer.core.instrument.Timer;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A driver whose prepare, start and adopt calls are timed ({@code flotilla_agent_driver_call_seconds}),
 * failed calls too: a start that fails slowly is what an operator looks for. The timers are the
 * driver's own, made once ({@link AgentMeters#metered}).
 */
record MeteredDriver(Driver driver, Timer prepare, Timer start, Timer adopt) implements Driver {
    @Override
    public String name() {
        return driver.name();
    }

    @Override
    public void prepare(Task task, Assignment assignment, Consumer<String> progress) throws DriverException {
        long began = System.nanoTime();
        try {
            driver.prepare(task, assignment, progress);
        } finally {
            prepare.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public TaskHandle start(TaskLaunch launch) throws DriverException {
        long began = System.nanoTime();
        try {
            return driver.start(launch);
        } finally {
            start.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public Adoption adopt(TaskDirectory directory, TaskRecord record) {
        long began = System.nanoTime();
        try {
            return driver.adopt(directory, record);
        } finally {
            adopt.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void retainOnly(Set<String> taskIds) {
        driver.retainOnly(taskIds);
    }

    @Override
    public Optional<TaskLogSource> logSource() {
        return driver.logSource();
    }

    @Override
    public void close() {
        driver.close();
    }
}
