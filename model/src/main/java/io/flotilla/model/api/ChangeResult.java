package io.flotilla.model.api;

/** The answer to an accepted change: the state index at which it was applied. */
public record ChangeResult(long index, String message) {}
