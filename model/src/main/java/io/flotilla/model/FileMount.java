package io.flotilla.model;

/**
 * A secret or config a service's tasks see as a file (compose service-level {@code secrets:} and
 * {@code configs:}, short and long syntax), naming a cluster object by its full name.
 *
 * <p>Containers get a secret at {@code /run/secrets/<target>} and a config at its target (an
 * absolute path; {@code /<source>} by default), on a tmpfs. Process tasks get both as files under
 * the directory named by {@code FLOTILLA_SECRETS_DIR} (a tmpfs), by their target's file name.
 *
 * @param kind   a secret or a config
 * @param source the cluster object's full name ({@code shop_db-password})
 * @param target the file name a secret appears as under {@code /run/secrets}, or the absolute
 *               path of a config; never null (the compose mapping fills Compose's defaults)
 * @param uid    owner uid as Compose writes it ({@code "0"}); null: the task's user
 * @param gid    owner gid; null: the task's group
 * @param mode   permission bits ({@code 0444} default, as Docker's)
 */
public record FileMount(FileKind kind, String source, String target, String uid, String gid, int mode) {
    public static final int DEFAULT_MODE = 0444;

    public FileMount {
        if (kind == null) {
            throw new IllegalArgumentException("a file mount needs a kind (secret or config)");
        }
        Checks.requireText(source, "file mount source");
        Checks.requireText(target, "file mount target");
        if (mode < 0 || mode > 07777) {
            throw new IllegalArgumentException("file mode " + Integer.toOctalString(mode) + " is not a permission mode");
        }
    }
}
