package io.flotilla.model.api;

import io.flotilla.model.Node;

/** An agent opening (or re-opening) its session: who it is and what it offers. */
public record AgentHello(Node node) {}
