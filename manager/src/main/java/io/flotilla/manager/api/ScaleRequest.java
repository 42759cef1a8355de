package io.flotilla.manager.api;

/** {@code POST /v1/services/{ref}/scale}. */
public record ScaleRequest(Integer replicas) {}
