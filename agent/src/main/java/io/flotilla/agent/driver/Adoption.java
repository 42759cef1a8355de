package io.flotilla.agent.driver;

/** What a driver found of a task started by an earlier agent: still running, or ended meanwhile. */
public sealed interface Adoption permits Adoption.StillRunning, Adoption.Ended {
    record StillRunning(TaskHandle handle) implements Adoption {}

    record Ended(ExitStatus exitStatus) implements Adoption {}
}
