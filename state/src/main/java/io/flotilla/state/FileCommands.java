package io.flotilla.state;

import io.flotilla.model.ClusterFile;
import io.flotilla.model.Command;
import io.flotilla.model.FileMount;
import io.flotilla.model.FileSpec;
import io.flotilla.model.ServiceSpec;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the commands that make, version and remove secrets and configs do in apply
 * ({@link StateMachine}). Every refusal here is also the API's, checked before it proposes: these
 * are the last guard against a replayed or crafted entry, and a race between two writers (a
 * version sealed for {@code n} lands only on {@code n - 1}: its associated data names its version).
 */
final class FileCommands {
    private FileCommands() {}

    static ClusterState create(ClusterState state, Command.CreateFile c) {
        ClusterFile file = c.file();
        if (file.stack() != null || file.version() != 1 || state.files().get(file.kind(), file.name()).isPresent()
                || FileTable.nameRefusal(file.kind(), file.name()) != null) {
            return state;
        }
        return state.putFile(file.kind(), file.name(), file);
    }

    static ClusterState update(ClusterState state, Command.UpdateFile c) {
        return state.files().get(c.kind(), c.name())
                .filter(file -> file.version() == c.version() - 1)
                .map(file -> state.putFile(file.kind(), file.name(), file.nextVersion(c.sealed(), c.at())))
                .orElse(state);
    }

    /** A no-op while a service uses it or a stack owns it. */
    static ClusterState remove(ClusterState state, Command.RemoveFile c) {
        ClusterFile file = state.files().get(c.kind(), c.name()).orElse(null);
        if (file == null || file.stack() != null
                || !FileTable.servicesUsing(state.services(), c.kind(), c.name()).isEmpty()) {
            return state;
        }
        return state.putFile(c.kind(), c.name(), null);
    }

    /**
     * A deploy's secrets and configs, before its services: null when the deploy must change nothing
     * (an external one missing or a stack's, an own one another stack's or a version out of turn, a
     * service naming one the stack does not list); else the state with its own made or versioned.
     */
    static ClusterState deploy(ClusterState state, Command.DeployStack c) {
        Set<String> listed = new HashSet<>();
        for (FileSpec spec : c.files()) {
            listed.add(ClusterFile.key(spec.kind(), spec.name()));
            ClusterFile existing = state.files().get(spec.kind(), spec.name()).orElse(null);
            if (spec.external() ? existing == null || existing.stack() != null
                    : existing != null && !c.stack().equals(existing.stack())) {
                return null;
            }
        }
        for (ServiceSpec service : c.services()) {
            for (FileMount mount : service.task().files()) {
                if (!listed.contains(ClusterFile.key(mount.kind(), mount.source()))) {
                    return null;
                }
            }
        }
        Map<String, FileSpec> own = new HashMap<>();
        c.files().stream().filter(spec -> !spec.external())
                .forEach(spec -> own.put(ClusterFile.key(spec.kind(), spec.name()), spec));
        ClusterState s = state;
        for (Command.FileVersion version : c.fileVersions()) {
            FileSpec spec = own.get(ClusterFile.key(version.kind(), version.name()));
            if (spec == null) {
                return null;
            }
            ClusterFile existing = s.files().get(version.kind(), version.name()).orElse(null);
            if (existing == null) {
                if (version.version() != 1 || FileTable.nameRefusal(spec.kind(), spec.name()) != null) {
                    return null;
                }
                s = s.putFile(spec.kind(), spec.name(), new ClusterFile(version.id(), spec.kind(), spec.name(), c.stack(),
                        spec.labels(), 1, c.at(), c.at(), version.sealed()));
            } else if (existing.version() == version.version() - 1) {
                s = s.putFile(spec.kind(), spec.name(), existing.nextVersion(version.sealed(), c.at()));
            } else {
                return null;
            }
        }
        for (String key : own.keySet()) {
            FileSpec spec = own.get(key);
            if (s.files().get(spec.kind(), spec.name()).isEmpty()) {
                return null; // an own one that does not exist and came without its first version
            }
        }
        return s;
    }

    /**
     * After a deploy's services: the stack's own files it no longer lists, and no service uses, are
     * removed; but not while a task that has not ended still mounts one (an old version's task that a
     * rolling update has not replaced yet must keep getting it: a task whose file is gone is not sent
     * to its node, which would stop it at once). Such a file goes with a later deploy or {@code stack rm}.
     */
    static ClusterState afterDeploy(ClusterState state, Command.DeployStack c) {
        Set<String> kept = new HashSet<>();
        c.files().forEach(spec -> kept.add(ClusterFile.key(spec.kind(), spec.name())));
        Set<String> candidates = new HashSet<>();
        for (ClusterFile file : state.files().all()) {
            if (c.stack().equals(file.stack()) && !kept.contains(file.key())) {
                candidates.add(file.key());
            }
        }
        if (!candidates.isEmpty()) {
            for (String serviceId : state.serviceIdsWithTasks()) {
                for (io.flotilla.model.Task task : state.tasksOfService(serviceId)) {
                    if (!task.state().isTerminal()) {
                        candidates.removeIf(key -> FileTable.mounts(task.spec().files(), key) && kept.add(key));
                    }
                }
            }
        }
        return removeOfStack(state, c.stack(), kept);
    }

    /** The files of {@code stack} not in {@code kept} (keys) and used by no service: removed. */
    static ClusterState removeOfStack(ClusterState state, String stack, Set<String> kept) {
        ClusterState s = state;
        for (ClusterFile file : state.files().all()) {
            if (stack.equals(file.stack()) && !kept.contains(file.key())
                    && FileTable.servicesUsing(s.services(), file.kind(), file.name()).isEmpty()) {
                s = s.putFile(file.kind(), file.name(), null);
            }
        }
        return s;
    }
}
