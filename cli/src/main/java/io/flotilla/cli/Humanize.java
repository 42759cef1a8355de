package io.flotilla.cli;

import java.time.Duration;
import java.time.Instant;

/** Durations as the Docker CLI words them ("About a minute ago", "5 seconds ago"). */
public final class Humanize {
    private Humanize() {}

    public static String ago(Instant then, Instant now) {
        if (then == null) {
            return "";
        }
        return duration(Duration.between(then, now)) + " ago";
    }

    public static String duration(Duration d) {
        long seconds = Math.max(0, d.toSeconds());
        if (seconds < 1) {
            return "Less than a second";
        } else if (seconds == 1) {
            return "1 second";
        } else if (seconds < 60) {
            return seconds + " seconds";
        }
        long minutes = d.toMinutes();
        if (minutes == 1) {
            return "About a minute";
        } else if (minutes < 60) {
            return minutes + " minutes";
        }
        long hours = Math.round(d.toMinutes() / 60.0);
        if (hours == 1) {
            return "About an hour";
        } else if (hours < 48) {
            return hours + " hours";
        } else if (hours < 24 * 7 * 2) {
            return hours / 24 + " days";
        }
        return hours / 24 / 7 + " weeks";
    }

    public static String shortId(String id) {
        return id == null ? "" : id.length() > 12 ? id.substring(0, 12) : id;
    }

    public static String capitalize(String word) {
        return word.isEmpty() ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }
}
