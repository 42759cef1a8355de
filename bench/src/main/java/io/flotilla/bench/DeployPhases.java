package io.flotilla.bench;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where one {@code stack deploy}'s time went, read from its own output lines as they came, each
 * stamped on arrival: the builds end at the last {@code built}/{@code up to date} line; each image's
 * {@code docker save} (and its SHA-256) ends at its {@code sending} line, its upload at its
 * {@code stored} line; the deploy request goes after the {@code Creating/Updating service} lines and
 * the first progress line ({@code s01: 0/1 running}) follows its answer; the command returns when
 * the stack converged.
 *
 * @param build     start → last build line (loading the file, hashing, the daemon's builds)
 * @param prepare   start → first {@code building} line: loading the file, connecting to the daemon
 * @param around    per build, its {@code building} line → the daemon's first line, and the daemon's
 *                  last line → its {@code built} line: hashing, the context's tar, sending it, the
 *                  daemon's start, the inspections (a build with no daemon output counts whole)
 * @param save      every {@code docker save} with its digest
 * @param upload    every upload of an archive in parts
 * @param deployed  start → first progress line (built, sent, deployed: what the peer's build + push compares to)
 * @param converged start → the command returned with the stack converged
 */
record DeployPhases(double build, double prepare, double around, double save, double upload, double deployed, double converged) {
    private static final Pattern BUILT = Pattern.compile("^\\S+ \\| (built|up to date: ) ?\\S+$");
    private static final Pattern BUILDING = Pattern.compile("^\\S+ \\| building \\S+ from ");
    private static final Pattern OWN = Pattern.compile("^\\S+ \\| unchanged, ");
    private static final Pattern SERVICE_LINE = Pattern.compile("^\\S+ \\| ");
    private static final Pattern SENDING = Pattern.compile("^sending \\S+ to the cluster");
    private static final Pattern STORED = Pattern.compile("^stored \\S+ in the cluster");
    private static final Pattern PROGRESS = Pattern.compile("^\\S+: \\d+/\\d+ running");

    /** A line and when it arrived ({@link System#nanoTime}). */
    record Line(long at, String text) {}

    /** Reads the phases from {@code lines} of a command started at {@code start} that returned at {@code end}. */
    static DeployPhases of(long start, long end, List<Line> lines) {
        long lastBuilt = start;
        long previous = start;
        long save = 0;
        long upload = 0;
        long deployed = -1;
        long prepare = -1;
        long around = 0;
        long building = start;
        long daemonLast = -1;
        for (Line line : lines) {
            if (BUILDING.matcher(line.text()).find()) {
                prepare = prepare < 0 ? line.at() - start : prepare;
                building = line.at();
                daemonLast = -1;
            } else if (BUILT.matcher(line.text()).find()) {
                around += line.at() - (daemonLast < 0 ? building : daemonLast);
                lastBuilt = line.at();
                previous = line.at();
            } else if (SERVICE_LINE.matcher(line.text()).find() && !OWN.matcher(line.text()).find()) {
                around += daemonLast < 0 ? line.at() - building : 0;
                daemonLast = line.at();
            } else if (SENDING.matcher(line.text()).find()) {
                save += line.at() - previous;
                previous = line.at();
            } else if (STORED.matcher(line.text()).find()) {
                upload += line.at() - previous;
                previous = line.at();
            } else if (deployed < 0 && PROGRESS.matcher(line.text()).find()) {
                deployed = line.at();
            }
        }
        if (deployed < 0) {
            deployed = end;
        }
        return new DeployPhases(seconds(lastBuilt - start), seconds(Math.max(0, prepare)), seconds(around), seconds(save), seconds(upload), seconds(deployed - start),
                seconds(end - start));
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** A stream that stamps each line as it arrives. */
    static final class Recorder extends OutputStream {
        private final List<Line> lines = new ArrayList<>();
        private final java.io.ByteArrayOutputStream current = new java.io.ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                lines.add(new Line(System.nanoTime(), current.toString(StandardCharsets.UTF_8)));
                current.reset();
            } else {
                current.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                write(bytes[i]);
            }
        }

        synchronized List<Line> lines() {
            return List.copyOf(lines);
        }

        PrintStream printStream() {
            return new PrintStream(this, true, StandardCharsets.UTF_8);
        }
    }
}
