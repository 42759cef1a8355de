package io.flotilla.cli.build;

import com.github.dockerjava.api.DockerClient;
import io.flotilla.agent.driver.docker.DaemonErrors;
import io.flotilla.client.ApiClient;
import io.flotilla.model.ImageArchive;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * Hands built images to the cluster, which stores them for itself (docs/architecture.md, "Built
 * images"): {@code docker save} of each image to a temporary file, its SHA-256, then the archive in
 * parts over the API, resumed where the manager stands. An image the cluster already stores with the
 * same image id is not sent again, so a redeploy without changes sends nothing.
 */
public final class ImageUpload {
    /** A part: well under the API's body limit, and quick enough for its request deadline on a slow link. */
    static final int PART = 2 * 1024 * 1024;

    private final DockerClient docker;
    private final ApiClient api;

    public ImageUpload(DockerClient docker, ApiClient api) {
        this.docker = docker;
        this.api = api;
    }

    /**
     * Sends every image the cluster does not store yet; says what it does on {@code progress}: a line
     * as each image starts, one per tenth of it sent, and one once the cluster stores it.
     */
    public void send(List<BuiltImage> images, Consumer<String> progress) throws BuildException {
        List<ImageArchive> stored = api.images();
        for (BuiltImage image : images) {
            boolean present = stored.stream().anyMatch(s -> s.reference().equals(image.reference())
                    && s.imageId().equals(image.imageId()));
            if (!present) {
                send(image, progress);
            }
        }
    }

    private void send(BuiltImage image, Consumer<String> progress) throws BuildException {
        Path archive = null;
        try {
            archive = Files.createTempFile("flotilla-image-", ".tar");
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream saved = docker.saveImageCmd(image.reference()).exec();
                 OutputStream out = new DigestOutputStream(Files.newOutputStream(archive), sha)) {
                saved.transferTo(out);
            }
            String digest = HexFormat.of().formatHex(sha.digest());
            long size = Files.size(archive);
            long offset = api.imageUploadReceived(digest, size);
            progress.accept("sending " + image.reference() + " to the cluster (" + size / 1024 + " KiB"
                    + (offset > 0 && offset < size ? ", resumed at " + percent(offset, size) + "%" : "") + ")");
            try (InputStream in = Files.newInputStream(archive)) {
                in.skipNBytes(offset);
                boolean stored = offset == size && size > 0;
                while (!stored) {
                    byte[] part = in.readNBytes(PART);
                    stored = api.uploadImagePart(image.reference(), image.imageId(), digest, size, offset, part);
                    long before = offset;
                    offset += part.length;
                    if (!stored && crossesTenth(before, offset, size)) {
                        progress.accept(sentLine(image.reference(), offset, size));
                    }
                    if (!stored && part.length == 0) {
                        throw new BuildException("service " + image.service() + ": the cluster did not store image "
                                + image.reference() + " after all " + size + " bytes");
                    }
                }
            }
            progress.accept("stored " + image.reference() + " in the cluster");
        } catch (IOException e) {
            throw new BuildException("service " + image.service() + ": cannot save image " + image.reference() + ": "
                    + e.getMessage(), e);
        } catch (io.flotilla.client.ApiException e) {
            throw new BuildException("service " + image.service() + ": the cluster refused image " + image.reference()
                    + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new BuildException("service " + image.service() + ": cannot save image " + image.reference() + ": "
                    + DaemonErrors.reason(e), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            if (archive != null) {
                try {
                    Files.deleteIfExists(archive);
                } catch (IOException e) {
                    // a temporary file left behind
                }
            }
        }
    }

    /** A live line while an image is sent: {@code sent 40% of app:1 (4096 of 10240 KiB)}. */
    static String sentLine(String reference, long sent, long size) {
        return "sent " + percent(sent, size) + "% of " + reference + " (" + sent / 1024 + " of " + size / 1024 + " KiB)";
    }

    /** Whether a part took the upload past a tenth of the archive: one line per 10%, however small the parts. */
    static boolean crossesTenth(long before, long after, long size) {
        return size > 0 && percent(after, size) / 10 > percent(before, size) / 10;
    }

    private static long percent(long sent, long size) {
        return size == 0 ? 100 : sent * 100 / size;
    }
}
