package io.flotilla.model;

public enum NodeRole { MANAGER, WORKER }
