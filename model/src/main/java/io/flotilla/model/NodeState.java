package io.flotilla.model;

/** A node's observed state, decided by the leader from heartbeats. */
public enum NodeState { UNKNOWN, READY, DOWN }
