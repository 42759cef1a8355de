package io.flotilla.scheduler;

import io.flotilla.model.Task;

/**
 * A slot whose only active task is of an older version: the rolling update replaces it.
 *
 * @param newest the slot's newest task, whatever its state (an ended attempt at the new version
 *               makes the next one back off)
 */
record UpdateCandidate(Slot slot, Task outdated, Task newest) {}
