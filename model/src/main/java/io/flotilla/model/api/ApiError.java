package io.flotilla.model.api;

/** The body of every error answer: a stable code a script can test and a message a user can act on. */
public record ApiError(String code, String message) {}
