package io.flotilla.agent.driver.docker;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The daemon's own words from a docker-java exception ({@code Status 404: {"message":"…"}}). */
public final class DaemonErrors {
    private static final Pattern MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private DaemonErrors() {}

    public static String reason(Throwable error) {
        String text = error.getMessage();
        if (text == null) {
            return error.getClass().getSimpleName();
        }
        Matcher matcher = MESSAGE.matcher(text);
        if (matcher.find()) {
            return matcher.group(1).replace("\\\"", "\"").replace("\\n", " ").replace("\\\\", "\\").strip();
        }
        return text.strip();
    }
}
