package io.flotilla.agent.driver.docker;

import io.micrometer.core.instrument.Counter;

/** The Docker driver's image pulls and loads, by result ({@code flotilla_agent_image_*_total}). */
public record ImageMeters(Counter pulled, Counter pullFailed, Counter loaded, Counter loadFailed) {}
