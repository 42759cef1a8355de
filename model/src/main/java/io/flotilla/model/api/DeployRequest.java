package io.flotilla.model.api;

import io.flotilla.model.StackSpec;

/** {@code POST /v1/stacks/{name}}: deploy (create or update) a stack. */
public record DeployRequest(StackSpec stack) {}
