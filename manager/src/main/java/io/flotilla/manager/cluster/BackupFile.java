package io.flotilla.manager.cluster;

import io.flotilla.model.Json;
import io.flotilla.state.StateSnapshot;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A cluster backup ({@code flotilla cluster backup FILE}): the replicated state at one applied
 * Raft index, and the key material that makes it usable on an empty machine. The file is
 *
 * <pre>
 * FLOTILLA-BACKUP &lt;version&gt; &lt;sha256&gt;\n
 * {header JSON}\n
 * {body JSON}
 * </pre>
 *
 * where the SHA-256 (hex) covers every byte after the first line: header and body. A file whose
 * first line is not that, of another version, cut short, or with any byte changed is refused by
 * {@link #parse} with a message that says which, before anything is written anywhere. The header
 * is readable with {@code head -2}: the cluster, index and term, time, and the body's length.
 *
 * <p>The body carries the CA (roots, chain, key) and the cluster data key in clear: secrets and
 * configs stay sealed in the state, and the data key beside them opens them, as Swarm's backup
 * of {@code /var/lib/docker/swarm} holds its keys. The file is written 0600 and is as secret as
 * a manager's {@code DATA/tls}.
 */
public final class BackupFile {
    public static final String MAGIC = "FLOTILLA-BACKUP";
    public static final int VERSION = 1;

    /**
     * @param clusterId  the cluster's id (null before init)
     * @param index      the Raft log index the state is applied up to (a restore's snapshot index)
     * @param term       the term of that entry
     * @param time       when the backup was taken (ISO-8601), for people
     * @param bodyLength the body's length in bytes: a file cut short says so
     */
    public record Header(int version, String clusterId, long index, long term, String time, long bodyLength) {}

    /**
     * @param state          the state, secrets and configs sealed as they are in the log
     * @param caCertificates {@code ca.crt}: the roots the cluster trusts
     * @param caChain        {@code ca-chain.crt} during a CA rotation, else null
     * @param caKey          {@code ca.key} of the manager the backup was taken from (null: none, e.g. a plaintext test manager)
     * @param dataKey        {@code data.key}: opens the sealed secrets and configs (null: none)
     */
    public record Body(StateSnapshot state, String caCertificates, String caChain, String caKey, String dataKey) {}

    /** A parsed, verified backup. */
    public record Contents(Header header, Body body) {}

    /** A backup that cannot be used; nothing was written because of it. */
    public static final class InvalidBackupException extends IllegalArgumentException {
        public InvalidBackupException(String message) {
            super(message);
        }
    }

    private BackupFile() {}

    public static byte[] write(Header header, Body body) {
        byte[] bodyBytes = Json.writeBytes(body);
        Header sized = new Header(VERSION, header.clusterId(), header.index(), header.term(), header.time(),
                bodyBytes.length);
        byte[] headerLine = (Json.write(sized) + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] rest = new byte[headerLine.length + bodyBytes.length];
        System.arraycopy(headerLine, 0, rest, 0, headerLine.length);
        System.arraycopy(bodyBytes, 0, rest, headerLine.length, bodyBytes.length);
        byte[] first = (MAGIC + " " + VERSION + " " + sha256(rest) + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] file = Arrays.copyOf(first, first.length + rest.length);
        System.arraycopy(rest, 0, file, first.length, rest.length);
        return file;
    }

    /** The file's header and body, once every check passed; else {@link InvalidBackupException}. */
    public static Contents parse(byte[] file) {
        int firstEnd = indexOf(file, 0);
        if (firstEnd < 0 || !startsWith(file, MAGIC + " ")) {
            throw new InvalidBackupException("not a flotilla backup (the file does not start with " + MAGIC + ")");
        }
        String[] first = new String(file, 0, firstEnd, StandardCharsets.US_ASCII).split(" ");
        if (first.length != 3) {
            throw new InvalidBackupException("damaged backup: its first line is not '" + MAGIC + " VERSION SHA256'");
        }
        if (!first[1].equals(String.valueOf(VERSION))) {
            throw new InvalidBackupException("unsupported backup format version " + first[1] + " (this flotilla reads "
                    + "version " + VERSION + ")");
        }
        byte[] rest = Arrays.copyOfRange(file, firstEnd + 1, file.length);
        int headerEnd = indexOf(rest, 0);
        Header header = null;
        if (headerEnd > 0) {
            try {
                header = Json.read(Arrays.copyOf(rest, headerEnd), Header.class);
            } catch (RuntimeException e) {
                header = null; // judged below: by its length or checksum
            }
        }
        if (header != null && rest.length - headerEnd - 1 < header.bodyLength()) {
            throw new InvalidBackupException("truncated backup: the body has " + Math.max(0, rest.length - headerEnd - 1)
                    + " of its " + header.bodyLength() + " bytes");
        }
        if (!sha256(rest).equals(first[2])) {
            throw new InvalidBackupException("damaged backup: the SHA-256 of its content does not match its header"
                    + " (a changed or missing byte); it is not restored");
        }
        if (header == null || header.version() != VERSION || rest.length - headerEnd - 1 != header.bodyLength()) {
            throw new InvalidBackupException("damaged backup: its header does not describe its body");
        }
        Body body = Json.read(Arrays.copyOfRange(rest, headerEnd + 1, rest.length), Body.class);
        if (body.state() == null) {
            throw new InvalidBackupException("damaged backup: it holds no state");
        }
        return new Contents(header, body);
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] bytes, String prefix) {
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        return bytes.length >= p.length && Arrays.equals(Arrays.copyOf(bytes, p.length), p);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
