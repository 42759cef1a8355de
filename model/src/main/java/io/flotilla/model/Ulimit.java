package io.flotilla.model;

/** One ulimit (soft and hard), as compose's {@code ulimits: {nofile: {soft: 1024, hard: 2048}}}. */
public record Ulimit(long soft, long hard) {}
