package io.flotilla.agent.volume;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads {@code /proc/self/mountinfo}: is a directory a mount point now? */
public final class MountTable {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountTable() {}

    public static boolean isMounted(Path directory) {
        try {
            return isMounted(Files.readAllLines(MOUNTINFO), directory);
        } catch (IOException e) {
            return false;
        }
    }

    /** Field 5 of a mountinfo line is the mount point, with space, tab, newline and backslash as octal escapes. */
    static boolean isMounted(List<String> mountinfo, Path directory) {
        String wanted = directory.toAbsolutePath().normalize().toString();
        for (String line : mountinfo) {
            String[] fields = line.split(" ");
            if (fields.length > 4 && unescape(fields[4]).equals(wanted)) {
                return true;
            }
        }
        return false;
    }

    static String unescape(String field) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                text.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }
}
