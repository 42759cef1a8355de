package io.flotilla.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;

/** A node's id, made once and kept in its data dir: restarting on the same dir is the same node. */
public final class NodeIdentity {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private NodeIdentity() {}

    public static String loadOrCreate(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Path file = dataDir.resolve("node-id");
        if (Files.exists(file)) {
            String id = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!id.isEmpty()) {
                return id;
            }
        }
        String id = newId(new SecureRandom());
        Path tmp = dataDir.resolve("node-id.tmp");
        Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return id;
    }

    /** 25 lower-case letters and digits, as Swarm's ids. */
    public static String newId(java.util.random.RandomGenerator random) {
        StringBuilder id = new StringBuilder(25);
        for (int i = 0; i < 25; i++) {
            id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return id.toString();
    }
}
