package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.images.ImageCopies;
import io.flotilla.manager.images.ImageStore;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.Command;
import io.flotilla.model.ImageArchive;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The images the cluster stores for itself (docs/api.md, Images): {@code GET /v1/images}, the
 * upload of an archive in parts ({@code GET /v1/images/upload}, {@code PUT /v1/images/archive}: the
 * admin and managers only) and its download ({@code GET /v1/images/archive}: any node, so an agent
 * loads a task's image from its manager). Parts keep each request within the API's body and
 * arrival limits, and let an interrupted upload resume where it stood.
 */
public final class ImageEndpoints {
    /** The largest part of an upload (the API's body limit). */
    public static final int MAX_PART = ApiRequest.MAX_BODY;
    private static final Pattern REFERENCE = Pattern.compile("[a-z0-9][a-z0-9._/:@+-]{0,254}");

    private final String nodeId;
    private final ClusterStore store;
    private final ImageCopies copies;
    private final ImageStore images;
    private final InstantSource clock;

    public ImageEndpoints(String nodeId, ClusterStore store, ImageCopies copies, InstantSource clock) {
        this.nodeId = nodeId;
        this.store = store;
        this.copies = copies;
        this.images = copies.store();
        this.clock = clock;
    }

    Object route(ApiRequest r, List<String> rest, Object streamed) throws Exception {
        String action = rest.isEmpty() ? "" : rest.getFirst();
        if (rest.size() > 1) {
            throw ApiServer.notFound(r);
        }
        switch (action) {
            case "" -> {
                ApiServer.requireMethod(r, "GET");
                return store.state().images().all().stream().sorted(Comparator.comparing(ImageArchive::reference))
                        .toList();
            }
            case "upload" -> {
                ApiServer.requireMethod(r, "GET");
                String digest = ImageStore.checkDigest(r.param("digest"));
                return Map.of("received", images.received(digest, size(r)));
            }
            case "archive" -> {
                if (r.method().equals("PUT")) {
                    return put(r);
                }
                ApiServer.requireMethod(r, "GET");
                get(r);
                return streamed;
            }
            default -> throw ApiServer.notFound(r);
        }
    }

    /** One part of an archive; the last one stores it and records it in the state, held by this manager. */
    private Object put(ApiRequest r) throws IOException, InterruptedException {
        String reference = reference(r);
        String imageId = r.param("id");
        if (imageId == null || !imageId.startsWith("sha256:")) {
            throw ApiException.invalid("query parameter id must be the image's id (sha256:…)");
        }
        String digest = ImageStore.checkDigest(r.param("digest"));
        long size = size(r);
        long offset = r.longParam("offset", 0);
        byte[] part;
        try (InputStream in = r.exchange().requestBody()) {
            part = in.readNBytes(MAX_PART + 1);
        }
        if (part.length > MAX_PART) {
            throw new ApiException(413, "too_large", "a part of an image archive is at most " + MAX_PART + " bytes");
        }
        boolean stored;
        try {
            stored = images.append(digest, size, offset, part);
        } catch (IllegalStateException e) {
            throw ApiException.conflict(e.getMessage());
        }
        if (stored) {
            ImageArchive image = new ImageArchive(reference, imageId, digest, size, List.of(nodeId), clock.instant());
            Submissions.await(store.submit(new Command.StoreImage(image)));
        }
        return Map.of("received", images.received(digest, size), "stored", stored);
    }

    /**
     * The archive of {@code ref}, copied first from a manager that holds it when this one does not
     * yet (unless {@code local=true}: a manager copying asks only holders).
     */
    private void get(ApiRequest r) throws IOException, InterruptedException {
        String reference = reference(r);
        ImageArchive image = store.state().images().get(reference)
                .orElseThrow(() -> ApiException.notFound("the cluster stores no image " + reference));
        if (!images.has(image.digest())) {
            if (r.booleanParam("local")) {
                throw ApiException.notFound("manager " + nodeId + " does not hold image " + reference + " yet");
            }
            try {
                copies.ensure(image);
            } catch (IOException e) {
                throw new ApiException(503, "unavailable", "image " + reference + " is on no reachable manager: "
                        + e.getMessage());
            }
        }
        ApiExchange exchange = r.exchange();
        exchange.responseHeader("Content-Type", "application/x-tar");
        exchange.sendResponseHeaders(200, Files.size(images.archive(image.digest())));
        try (InputStream in = Files.newInputStream(images.archive(image.digest()));
             OutputStream out = exchange.responseBody()) {
            in.transferTo(out);
        }
    }

    private static String reference(ApiRequest r) {
        String reference = r.param("ref");
        if (reference == null || !REFERENCE.matcher(reference).matches()) {
            throw ApiException.invalid("query parameter ref must be an image reference (repository:tag), not "
                    + reference);
        }
        return reference;
    }

    private static long size(ApiRequest r) {
        long size = r.longParam("size", -1);
        if (size < 0) {
            throw ApiException.invalid("query parameter size (the archive's size in bytes) is required");
        }
        return size;
    }
}
