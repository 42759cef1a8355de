package io.flotilla.agent.driver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The user a process task runs as: its {@code user:} ({@code name}, {@code uid}, {@code name:group}
 * or {@code uid:gid}, as Compose writes it), taken on by {@code setpriv} (util-linux) right before
 * the program, after the shim and the mount script ran as the agent. Before this a process task
 * ran as the agent, root, whatever it asked for (security issue 17).
 *
 * <p>The user is looked up in the node's passwd database ({@code getent}, so NSS users count). A
 * user found there gets its primary group when none is given, and its supplementary groups; a
 * numeric uid not found must name its group (otherwise it would keep the agent's group, root) and
 * gets no supplementary groups. An agent that is not root cannot switch users: a task asking for
 * another user than the agent's fails rather than run as the wrong one.
 */
final class ProcessUser {
    private ProcessUser() {}

    /** A passwd entry: the fields used. */
    record Account(String name, long uid, long gid) {}

    /** Looks up users and groups; {@link #system()} asks the node, tests may give their own. */
    interface Directory {
        Optional<Account> user(String nameOrUid) throws DriverException;

        Optional<Long> group(String nameOrGid) throws DriverException;

        static Directory system() {
            return new Directory() {
                @Override
                public Optional<Account> user(String nameOrUid) throws DriverException {
                    return getent("passwd", nameOrUid).map(fields -> new Account(fields[0],
                            Long.parseLong(fields[2]), Long.parseLong(fields[3])));
                }

                @Override
                public Optional<Long> group(String nameOrGid) throws DriverException {
                    return getent("group", nameOrGid).map(fields -> Long.parseLong(fields[2]));
                }
            };
        }
    }

    /**
     * The words to put before the task's program so that it runs as {@code user}: none when no
     * user is asked for or it is the agent's own.
     *
     * @param agentUid the agent's uid ({@link #agentUid()})
     */
    static List<String> command(String user, long agentUid, Directory directory) throws DriverException {
        if (user == null || user.isBlank()) {
            return List.of();
        }
        Ids ids = ids(user, directory);
        long uid = ids.uid();
        long gid = ids.gid();
        if (agentUid != 0) {
            if (uid == agentUid && user.indexOf(':') < 0) {
                return List.of();
            }
            throw new DriverException("the task asks to run as user " + user + " but the agent runs as uid "
                    + agentUid + ", not root, and cannot switch users: run the agent as root or remove user:");
        }
        return List.of(ProcessDriver.executable("setpriv"), "--reuid=" + uid, "--regid=" + gid,
                ids.known() ? "--init-groups" : "--clear-groups", "--");
    }

    /** The uid and gid {@code user} names, and whether the node's passwd database knows it. */
    record Ids(long uid, long gid, boolean known) {}

    /** Resolves {@code user} (not blank) as {@link #command} does. */
    static Ids ids(String user, Directory directory) throws DriverException {
        int colon = user.indexOf(':');
        String userPart = colon < 0 ? user : user.substring(0, colon);
        String groupPart = colon < 0 ? null : user.substring(colon + 1);
        if (userPart.isEmpty() || groupPart != null && groupPart.isEmpty()) {
            throw new DriverException("user \"" + user + "\": write a name or uid, optionally :group or :gid");
        }
        Optional<Account> account = directory.user(userPart);
        long uid;
        if (account.isPresent()) {
            uid = account.get().uid();
        } else if (isNumber(userPart)) {
            uid = Long.parseLong(userPart);
        } else {
            throw new DriverException("user \"" + userPart + "\" does not exist on this node");
        }
        long gid;
        if (groupPart == null) {
            gid = account.orElseThrow(() -> new DriverException("uid " + userPart + " is not in this node's passwd "
                    + "database, so it has no group: write user: " + userPart + ":GID")).gid();
        } else if (isNumber(groupPart)) {
            gid = Long.parseLong(groupPart);
        } else {
            gid = directory.group(groupPart).orElseThrow(() ->
                    new DriverException("group \"" + groupPart + "\" does not exist on this node"));
        }
        return new Ids(uid, gid, account.isPresent());
    }

    /** The agent's effective uid: the owner of its own /proc entry. */
    static long agentUid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    private static boolean isNumber(String text) {
        return !text.isEmpty() && text.length() <= 10 && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** The colon-separated fields of {@code getent DATABASE KEY}; empty when there is no such entry. */
    private static Optional<String[]> getent(String database, String key) throws DriverException {
        try {
            Process process = new ProcessBuilder(ProcessDriver.executable("getent"), database, key)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new DriverException("getent " + database + " " + key + " did not answer within 10 s");
            }
            if (process.exitValue() != 0 || out.isEmpty()) {
                return Optional.empty(); // 2: no such key
            }
            String[] fields = out.lines().findFirst().orElse("").split(":", -1);
            return fields.length >= 4 ? Optional.of(fields) : Optional.empty();
        } catch (IOException e) {
            throw new DriverException("cannot look up " + database + " entry " + key + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("interrupted looking up " + database + " entry " + key, e);
        }
    }
}
