package io.flotilla.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An image the cluster stores for itself (built by {@code stack build}/{@code deploy}): the archive
 * {@code docker save} wrote, kept content-addressed in the data directory of each manager in
 * {@code holders}. Agents whose daemon lacks a task's image fetch the archive from their manager and
 * load it, so a built image runs on every node, including nodes that join later, without a registry.
 *
 * @param reference the image reference the services run ({@code repo:build-<digest>})
 * @param imageId   the daemon's image id ({@code sha256:…}), to skip uploading what the cluster has
 * @param digest    the archive's SHA-256 (hex): its name in every manager's store, checked on every copy
 * @param size      the archive's size in bytes
 * @param holders   the managers (node ids) whose store holds the archive, in the order they got it
 * @param storedAt  when the archive was first stored (the receiving manager's clock, carried by the command)
 */
public record ImageArchive(String reference, String imageId, String digest, long size, List<String> holders,
                           Instant storedAt) {
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");

    public ImageArchive {
        Checks.requireText(reference, "reference");
        Checks.requireText(imageId, "imageId");
        if (digest == null || !HEX_SHA256.matcher(digest).matches()) {
            throw new IllegalArgumentException("digest must be 64 lower-case hex digits (SHA-256), not " + digest);
        }
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative");
        }
        holders = Checks.list(holders);
    }

    /** This archive with {@code nodeId} among its holders. */
    public ImageArchive heldBy(String nodeId) {
        if (holders.contains(nodeId)) {
            return this;
        }
        List<String> more = new ArrayList<>(holders);
        more.add(nodeId);
        return new ImageArchive(reference, imageId, digest, size, more, storedAt);
    }
}
