package io.flotilla.cli.build;

/**
 * One service's build result.
 *
 * @param service   the service's full name
 * @param reference the content-addressed reference the service runs ({@code <repository>:build-<digest>})
 * @param imageId   the daemon's image id
 * @param built     false when an image with that reference already existed (nothing was built)
 */
public record BuiltImage(String service, String reference, String imageId, boolean built) {}
