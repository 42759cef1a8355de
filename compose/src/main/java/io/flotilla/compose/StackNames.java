package io.flotilla.compose;

import java.util.regex.Pattern;

/** Docker's rule for project and stack names: lowercase letters, digits, '-' and '_', starting with a letter or digit. */
final class StackNames {
    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    private StackNames() {}

    /** Why {@code name} is not a valid stack name, or null when it is. */
    static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "the stack name must not be empty";
        }
        if (!VALID.matcher(name).matches()) {
            return "invalid stack name \"" + name + "\": use lowercase letters, digits, '-' and '_',"
                    + " starting with a letter or digit";
        }
        return null;
    }
}
