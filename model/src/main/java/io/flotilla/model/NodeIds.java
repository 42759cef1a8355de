package io.flotilla.model;

import java.util.regex.Pattern;

/**
 * What a node id may be. A node id becomes a certificate's common name, a Raft peer id, a file
 * name and a word in logs, so it is held to a plain alphabet: letters, digits, {@code -}, {@code _}
 * and {@code .}, starting with a letter or digit, at most 64 characters. A name outside it
 * ({@code evil+1}, whose X.500 form {@code evil\+1} reads as another node; a newline in a log
 * line) is refused at join, before anything is stored or signed.
 */
public final class NodeIds {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** The admin credential's common name: never a node's. */
    public static final String RESERVED = "admin";

    private NodeIds() {}

    public static boolean valid(String id) {
        return id != null && VALID.matcher(id).matches() && !id.equalsIgnoreCase(RESERVED);
    }

    /** {@code id}, or an {@link IllegalArgumentException} that says what a node id may be. */
    public static String require(String id) {
        if (!valid(id)) {
            throw new IllegalArgumentException("invalid node id " + printable(id) + ": a node id is 1 to 64 letters,"
                    + " digits, '-', '_' or '.', starting with a letter or digit, and not '" + RESERVED + "'");
        }
        return id;
    }

    /** {@code id} quoted with control characters escaped, cut at 80 characters: safe to log. */
    public static String printable(String id) {
        if (id == null) {
            return "(none)";
        }
        StringBuilder out = new StringBuilder("'");
        for (int i = 0; i < Math.min(id.length(), 80); i++) {
            char c = id.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return out.append(id.length() > 80 ? "…'" : "'").toString();
    }
}
