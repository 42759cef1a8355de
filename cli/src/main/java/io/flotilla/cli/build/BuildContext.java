package io.flotilla.cli.build;

import io.flotilla.compose.BuildSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * What one service's build sends to the daemon, and the digest that names its result: the files of
 * the context that {@code .dockerignore} keeps (the Dockerfile and {@code .dockerignore} always, as
 * the Docker CLI sends them), each by path, type, permissions and content (not its modification
 * time: touching a file changes nothing), plus the Dockerfile, args, target and labels. Equal
 * inputs give equal digests on any machine, so an unchanged service keeps its tag and is neither
 * rebuilt nor redeployed.
 */
public final class BuildContext {
    /** Where a {@code dockerfile_inline} is put in the context sent to the daemon. */
    static final String INLINE_DOCKERFILE = ".flotilla-inline.Dockerfile";

    private record Entry(String path, Path file, char type, int mode) {}

    private final BuildSpec spec;
    private final List<Entry> entries;
    private final String digest;

    private BuildContext(BuildSpec spec, List<Entry> entries, String digest) {
        this.spec = spec;
        this.entries = entries;
        this.digest = digest;
    }

    /** Walks the context and digests it; fails on an unreadable file, naming it. */
    public static BuildContext scan(BuildSpec spec) throws IOException {
        Path root = spec.context();
        DockerIgnore ignore = DockerIgnore.read(root);
        String dockerfile = spec.dockerfile() == null ? null : spec.dockerfile().replace('\\', '/');
        TreeMap<String, Entry> entries = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                if (dir.equals(root)) {
                    return FileVisitResult.CONTINUE;
                }
                String path = relative(root, dir);
                if (ignore.ignored(path)) {
                    return ignore.hasExclusions() || (dockerfile != null && dockerfile.startsWith(path + "/"))
                            ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                }
                entries.put(path, new Entry(path, dir, 'd', mode(dir)));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                String path = relative(root, file);
                boolean always = path.equals(dockerfile) || path.equals(".dockerignore");
                if (!always && ignore.ignored(path)) {
                    return FileVisitResult.CONTINUE;
                }
                if (attributes.isSymbolicLink()) {
                    entries.put(path, new Entry(path, file, 'l', 0777));
                } else if (attributes.isRegularFile()) {
                    entries.put(path, new Entry(path, file, 'f', mode(file)));
                }
                return FileVisitResult.CONTINUE; // sockets, fifos, devices: not sent, as docker build does not
            }
        });
        List<Entry> list = List.copyOf(entries.values());
        return new BuildContext(spec, list, digest(spec, list));
    }

    /** The hex SHA-256 of the build's input. */
    public String digest() {
        return digest;
    }

    /** The Dockerfile's path inside the context sent. */
    public String dockerfilePath() {
        return spec.dockerfile() != null ? spec.dockerfile() : INLINE_DOCKERFILE;
    }

    /** Writes the context as the tar the Engine API's build takes. */
    public void writeTar(OutputStream out) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name())) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Entry entry : entries) {
                TarArchiveEntry tarEntry;
                if (entry.type() == 'l') {
                    tarEntry = new TarArchiveEntry(entry.path(), TarArchiveEntry.LF_SYMLINK);
                    tarEntry.setLinkName(Files.readSymbolicLink(entry.file()).toString());
                } else {
                    tarEntry = new TarArchiveEntry(entry.file().toFile(), entry.path());
                }
                tarEntry.setMode((entry.type() == 'd' ? 040000 : entry.type() == 'l' ? 0120000 : 0100000) | entry.mode());
                tar.putArchiveEntry(tarEntry);
                if (entry.type() == 'f') {
                    Files.copy(entry.file(), tar);
                }
                tar.closeArchiveEntry();
            }
            if (spec.dockerfileInline() != null) {
                byte[] text = spec.dockerfileInline().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry inline = new TarArchiveEntry(INLINE_DOCKERFILE);
                inline.setSize(text.length);
                inline.setMode(0100644);
                tar.putArchiveEntry(inline);
                tar.write(text);
                tar.closeArchiveEntry();
            }
        }
    }

    private static String digest(BuildSpec spec, List<Entry> entries) throws IOException {
        MessageDigest sha = sha256();
        line(sha, "flotilla-build-v1");
        for (Entry entry : entries) {
            String content = switch (entry.type()) {
                case 'f' -> fileDigest(entry.file());
                case 'l' -> Files.readSymbolicLink(entry.file()).toString();
                default -> "";
            };
            line(sha, entry.type() + " " + Integer.toOctalString(entry.mode()) + " " + entry.path() + "\0" + content);
        }
        line(sha, "dockerfile\0" + (spec.dockerfile() != null ? spec.dockerfile() : "inline\0" + spec.dockerfileInline()));
        new TreeMap<>(spec.args()).forEach((key, value) -> line(sha, "arg\0" + key + "\0" + value));
        line(sha, "target\0" + (spec.target() == null ? "" : spec.target()));
        new TreeMap<>(spec.labels()).forEach((key, value) -> line(sha, "label\0" + key + "\0" + value));
        return HexFormat.of().formatHex(sha.digest());
    }

    private static String fileDigest(Path file) throws IOException {
        MessageDigest sha = sha256();
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            int read;
            while ((read = in.read(buffer)) > 0) {
                sha.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void line(MessageDigest sha, String text) {
        sha.update((text.replace("\n", "\\n") + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static int mode(Path path) throws IOException {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException e) {
            return Files.isDirectory(path) ? 0755 : 0644; // no POSIX permissions on this file system
        }
        int mode = 0;
        for (PosixFilePermission permission : permissions) {
            mode |= 0400 >> permission.ordinal();
        }
        return mode;
    }

    private static String relative(Path root, Path path) {
        List<String> parts = new ArrayList<>();
        root.relativize(path).forEach(part -> parts.add(part.toString()));
        return String.join("/", parts);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
