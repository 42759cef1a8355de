package io.flotilla.model;

/** How many tasks a service wants: a fixed count, or one on every eligible node. */
public enum ServiceMode { REPLICATED, GLOBAL }
