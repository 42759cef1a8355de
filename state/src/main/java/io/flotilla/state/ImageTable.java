package io.flotilla.state;

import io.flotilla.model.ImageArchive;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The images the cluster stores for itself, by reference ({@link ImageArchive}). Immutable; a
 * change copies the map, which is fine for the few hundred images of a cluster (one per built
 * service and content version that is still named).
 */
public final class ImageTable {
    static final ImageTable EMPTY = new ImageTable(Map.of());

    private final Map<String, ImageArchive> byReference;

    private ImageTable(Map<String, ImageArchive> byReference) {
        this.byReference = byReference;
    }

    static ImageTable of(Collection<ImageArchive> images) {
        ImageTable table = EMPTY;
        for (ImageArchive image : images) {
            table = table.store(image);
        }
        return table;
    }

    public Collection<ImageArchive> all() {
        return byReference.values();
    }

    public Optional<ImageArchive> get(String reference) {
        return Optional.ofNullable(byReference.get(reference));
    }

    /**
     * {@code image} under its reference: the same archive as before keeps the holders it had (plus the
     * new ones), another archive replaces the record.
     */
    ImageTable store(ImageArchive image) {
        ImageArchive before = byReference.get(image.reference());
        ImageArchive after = image;
        if (before != null && before.digest().equals(image.digest())) {
            after = before;
            for (String holder : image.holders()) {
                after = after.heldBy(holder);
            }
        }
        return with(after);
    }

    /** Every reference to the archive {@code digest} lists {@code nodeId} as a holder. */
    ImageTable held(String digest, String nodeId) {
        ImageTable table = this;
        for (ImageArchive image : byReference.values()) {
            if (image.digest().equals(digest)) {
                table = table.with(image.heldBy(nodeId));
            }
        }
        return table;
    }

    private ImageTable with(ImageArchive image) {
        if (image.equals(byReference.get(image.reference()))) {
            return this;
        }
        TreeMap<String, ImageArchive> copy = new TreeMap<>(byReference);
        copy.put(image.reference(), image);
        return new ImageTable(Collections.unmodifiableMap(copy));
    }
}
