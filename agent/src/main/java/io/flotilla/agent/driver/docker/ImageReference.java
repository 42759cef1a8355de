package io.flotilla.agent.driver.docker;

/**
 * An image name split as the Engine API's pull wants it: {@code repository} (with its registry
 * host, port included) and a {@code tag} or {@code digest}. {@code busybox} reads as
 * {@code busybox:latest}; {@code 127.0.0.1:5000/a/b:1} as repository {@code 127.0.0.1:5000/a/b},
 * tag {@code 1}.
 */
public record ImageReference(String repository, String tag, String digest) {
    public static ImageReference parse(String image) {
        if (image == null || image.isBlank()) {
            throw new IllegalArgumentException("no image");
        }
        String name = image.strip();
        int at = name.indexOf('@');
        if (at >= 0) {
            return new ImageReference(name.substring(0, at), null, name.substring(at + 1));
        }
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            return new ImageReference(name.substring(0, colon), name.substring(colon + 1), null);
        }
        return new ImageReference(name, "latest", null);
    }

    /** The name with its tag or digest, as the daemon lists it. */
    public String canonical() {
        return digest != null ? repository + "@" + digest : repository + ":" + tag;
    }
}
