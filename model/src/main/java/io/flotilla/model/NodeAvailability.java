package io.flotilla.model;

/** Whether the scheduler may use a node: active, pause (keep tasks, add none), drain (move them off). */
public enum NodeAvailability { ACTIVE, PAUSE, DRAIN }
