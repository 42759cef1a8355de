package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.files.FileVault;
import io.flotilla.model.ClusterFile;
import io.flotilla.model.Command;
import io.flotilla.model.FileMount;
import io.flotilla.model.FileSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.api.FileData;
import io.flotilla.state.ClusterState;
import io.flotilla.state.FileTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A deploy's secrets and configs, checked and sealed before anything is proposed
 * ({@link ClusterEndpoints#deployStack}): every file a service names is one the stack lists; an
 * external one exists and was made with {@code create}; an own one is this stack's (or new) and
 * came with its content. Each own one whose content differs from its current version's gets the
 * next version (the first when new), sealed here; an unchanged one gets nothing. A refusal is a
 * 400 (409 for a name another holds) and nothing changes; the deploy's services go into the same
 * log entry ({@link Command.DeployStack}), so a deploy applies whole or not at all.
 */
final class StackFiles {
    private StackFiles() {}

    static List<Command.FileVersion> plan(ClusterState state, StackSpec stack, List<FileData> contents, FileVault vault,
                                          Supplier<String> ids) {
        Map<String, FileSpec> listed = new HashMap<>();
        for (FileSpec spec : stack.files()) {
            if (listed.put(ClusterFile.key(spec.kind(), spec.name()), spec) != null) {
                throw ApiException.invalid(spec.kind().label() + " " + spec.name() + " is listed twice");
            }
            ClusterFile existing = state.files().get(spec.kind(), spec.name()).orElse(null);
            if (spec.external()) {
                if (existing == null) {
                    throw ApiException.invalid("external " + spec.kind().label() + " " + spec.name()
                            + " does not exist (make it with flotilla " + spec.kind().label() + " create " + spec.name()
                            + " FILE): stack " + stack.name() + " not deployed");
                }
                if (existing.stack() != null) {
                    throw ApiException.invalid(spec.kind().label() + " " + spec.name() + " belongs to stack "
                            + existing.stack() + ": only one made with flotilla " + spec.kind().label()
                            + " create can be external");
                }
            } else if (existing != null && !stack.name().equals(existing.stack())) {
                throw ApiException.conflict(spec.kind().label() + " " + spec.name() + " already exists outside stack "
                        + stack.name() + (existing.stack() == null ? "" : " (stack " + existing.stack() + ")")
                        + ": mark it external: true in the stack file, or give this one another name");
            } else {
                String refusal = FileTable.nameRefusal(spec.kind(), spec.name());
                if (refusal != null) {
                    throw ApiException.invalid(refusal);
                }
            }
        }
        for (ServiceSpec service : stack.services()) {
            for (FileMount mount : service.task().files()) {
                if (!listed.containsKey(ClusterFile.key(mount.kind(), mount.source()))) {
                    throw ApiException.invalid("service " + service.name() + " uses " + mount.kind().label() + " "
                            + mount.source() + ", which stack " + stack.name() + " does not declare");
                }
            }
        }
        return versions(state, stack, contents(stack, contents, listed), vault, ids);
    }

    /** The content sent for each own file, by key; every own one has one, and nothing else is sent. */
    private static Map<String, byte[]> contents(StackSpec stack, List<FileData> contents, Map<String, FileSpec> listed) {
        Map<String, byte[]> byKey = new HashMap<>();
        for (FileData data : contents) {
            if (data.kind() == null || data.name() == null) {
                throw ApiException.invalid("each of the deploy's files needs a kind and a name");
            }
            String key = ClusterFile.key(data.kind(), data.name());
            FileSpec spec = listed.get(key);
            if (spec == null || spec.external()) {
                throw ApiException.invalid("the deploy sends content for " + data.kind().label() + " " + data.name()
                        + ", which is not one of stack " + stack.name() + "'s own");
            }
            byKey.put(key, FileEndpoints.checkedData(data.kind(), data.name(), data.data()));
        }
        for (FileSpec spec : listed.values()) {
            if (!spec.external() && !byKey.containsKey(ClusterFile.key(spec.kind(), spec.name()))) {
                throw ApiException.invalid(spec.kind().label() + " " + spec.name() + " came without its content"
                        + " (the CLI reads it from the file or environment variable the stack file names)");
            }
        }
        return byKey;
    }

    private static List<Command.FileVersion> versions(ClusterState state, StackSpec stack, Map<String, byte[]> contents,
                                                      FileVault vault, Supplier<String> ids) {
        List<Command.FileVersion> versions = new ArrayList<>();
        if (contents.isEmpty()) {
            return versions;
        }
        if (!vault.available()) {
            throw new ApiException(503, "unavailable", new FileVault.MissingDataKeyException().getMessage());
        }
        Set<String> taken = new HashSet<>();
        state.files().all().forEach(file -> taken.add(file.id()));
        for (FileSpec spec : stack.files()) {
            byte[] data = contents.get(ClusterFile.key(spec.kind(), spec.name()));
            if (data == null) {
                continue;
            }
            ClusterFile existing = state.files().get(spec.kind(), spec.name()).orElse(null);
            if (existing == null) {
                String id;
                do {
                    id = ids.get();
                } while (!taken.add(id));
                versions.add(new Command.FileVersion(spec.kind(), spec.name(), id, 1,
                        vault.seal(spec.kind(), id, spec.name(), 1, data)));
            } else if (!vault.holds(existing, data)) {
                long version = existing.version() + 1;
                versions.add(new Command.FileVersion(spec.kind(), spec.name(), existing.id(), version,
                        vault.seal(spec.kind(), existing.id(), spec.name(), version, data)));
            }
        }
        return versions;
    }

    /** The ids of the secrets and configs of {@code state}: those whose opened contents a vault may keep. */
    static Set<String> ids(ClusterState state) {
        Set<String> ids = new HashSet<>();
        state.files().all().forEach(file -> ids.add(file.id()));
        return ids;
    }

    /** After the deploy's entry: every version it carried is the object's now, else the deploy was refused whole. */
    static void requireApplied(ClusterState after, String stack, List<Command.FileVersion> versions) {
        for (Command.FileVersion version : versions) {
            ClusterFile now = after.files().get(version.kind(), version.name()).orElse(null);
            if (now == null || !now.sealed().equals(version.sealed())) {
                throw ApiException.conflict("stack " + stack + " not deployed: " + version.kind().label() + " "
                        + version.name() + " changed meanwhile (another deploy or update came first); deploy again");
            }
        }
    }
}
