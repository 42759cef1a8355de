package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.files.FileVault;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.ClusterFile;
import io.flotilla.model.Command;
import io.flotilla.model.FileKind;
import io.flotilla.model.FileMount;
import io.flotilla.model.SealedData;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.api.FileData;
import io.flotilla.model.api.FileInfo;
import io.flotilla.state.ClusterState;
import io.flotilla.state.FileTable;
import java.io.IOException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Secrets and configs: {@code GET|POST /v1/secrets}, {@code GET|DELETE /v1/secrets/{ref}},
 * {@code POST /v1/secrets/{ref}/update}, and the same under {@code /v1/configs}
 * ({@code secret|config ls|create|inspect|rm|update}). Admin and managers only ({@link ApiCaller}).
 * The content is sealed here before anything is proposed; an answer never holds a secret's content
 * (a config's only on inspect). Every refusal is checked before anything is proposed, and apply
 * checks the same again, so a refused request changes nothing.
 */
final class FileEndpoints {
    private final ClusterStore store;
    private final InstantSource clock;
    private final Supplier<String> ids;
    /** This manager's vault; one without a key (until the manager gives its own) refuses every write. */
    private volatile FileVault vault = new FileVault(() -> null);

    FileEndpoints(ClusterStore store, InstantSource clock, Supplier<String> ids) {
        this.store = store;
        this.clock = clock;
        this.ids = ids;
    }

    void vault(FileVault fileVault) {
        this.vault = fileVault;
    }

    /** The routes under {@code /v1/secrets} or {@code /v1/configs} ({@code kind}). */
    Object route(ApiRequest r, FileKind kind, List<String> p) throws Exception {
        int n = p.size();
        if (n == 2) {
            return switch (r.method()) {
                case "GET" -> list(kind);
                case "POST" -> create(kind, r);
                default -> throw ApiServer.methodNotAllowed(r);
            };
        }
        if (n == 3) {
            return switch (r.method()) {
                case "GET" -> inspect(kind, p.get(2));
                case "DELETE" -> remove(kind, p.get(2));
                default -> throw ApiServer.methodNotAllowed(r);
            };
        }
        if (n == 4 && p.get(3).equals("update")) {
            ApiServer.requireMethod(r, "POST");
            return update(kind, p.get(2), r);
        }
        throw ApiServer.notFound(r);
    }

    /** The kind a path's resource names: {@code secrets} or {@code configs}. */
    static FileKind kindOf(String resource) {
        return resource.equals("secrets") ? FileKind.SECRET : FileKind.CONFIG;
    }

    List<FileInfo> list(FileKind kind) {
        ClusterState state = store.state();
        return state.files().all(kind).stream().map(file -> info(state, file, false)).toList();
    }

    FileInfo inspect(FileKind kind, String ref) {
        ClusterState state = store.state();
        return info(state, find(state, kind, ref), kind == FileKind.CONFIG);
    }

    /** 201 with the object as made (metadata); 409 when the name is taken, 400 for a bad name or content. */
    ApiServer.Answer create(FileKind kind, ApiRequest request) throws IOException, InterruptedException {
        FileData body = request.body(FileData.class);
        if (body == null) {
            throw ApiException.invalid("the body must hold {\"name\": ..., \"data\": base64}");
        }
        String refusal = FileTable.nameRefusal(kind, body.name());
        if (refusal != null) {
            throw ApiException.invalid(refusal);
        }
        byte[] data = checkedData(kind, body.name(), body.data());
        ClusterState state = store.state();
        refuseTaken(state, kind, body.name());
        requireKey();
        String id = ids.get();
        SealedData sealed = vault.seal(kind, id, body.name(), 1, data);
        ClusterState after = Submissions.await(store.submit(new Command.CreateFile(new ClusterFile(id, kind, body.name(),
                null, body.labels(), 1, clock.instant(), clock.instant(), sealed))));
        ClusterFile made = after.files().get(kind, body.name()).orElseThrow();
        if (!made.id().equals(id)) {
            refuseTaken(after, kind, body.name()); // another request took the name meanwhile
        }
        return new ApiServer.Answer(201, info(after, made, false));
    }

    /** Beyond Swarm: a new version of the content; running tasks get it through their service's policy. */
    FileInfo update(FileKind kind, String ref, ApiRequest request) throws IOException, InterruptedException {
        FileData body = request.body(FileData.class);
        ClusterState state = store.state();
        ClusterFile file = find(state, kind, ref);
        byte[] data = checkedData(kind, file.name(), body == null ? null : body.data());
        if (file.stack() != null) {
            throw ApiException.conflict(kind.label() + " " + file.name() + " belongs to stack " + file.stack()
                    + ": its content comes from the stack file (change it there and deploy the stack again)");
        }
        requireKey();
        if (vault.holds(file, data)) {
            return info(state, file, false); // the same content: no new version
        }
        long version = file.version() + 1;
        SealedData sealed = vault.seal(kind, file.id(), file.name(), version, data);
        ClusterState after = Submissions.await(store.submit(new Command.UpdateFile(kind, file.name(), version, sealed,
                clock.instant())));
        ClusterFile now = after.files().get(kind, file.name()).orElseThrow(() -> ApiException.notFound(
                kind.label() + " " + file.name() + " was removed meanwhile"));
        if (!now.sealed().equals(sealed)) {
            throw ApiException.conflict(kind.label() + " " + file.name() + " got version " + now.version()
                    + " from another writer meanwhile: nothing changed; update again");
        }
        return info(after, now, false);
    }

    /** 204; 409 while a service uses it or when a stack owns it. */
    ApiServer.Answer remove(FileKind kind, String ref) throws InterruptedException {
        ClusterState state = store.state();
        ClusterFile file = state.files().find(kind, ref).orElseThrow(() -> Absence.of(store, kind.label(), ref));
        refuseRemoval(state, file);
        ClusterState after = Submissions.await(store.submit(new Command.RemoveFile(kind, file.name(), clock.instant())));
        after.files().get(kind, file.name()).ifPresent(left -> refuseRemoval(after, left));
        vault.retain(StackFiles.ids(after));
        return new ApiServer.Answer(204, null);
    }

    private void requireKey() {
        if (!vault.available()) {
            throw new ApiException(503, "unavailable", new FileVault.MissingDataKeyException().getMessage());
        }
    }

    static byte[] checkedData(FileKind kind, String name, byte[] data) {
        if (data == null || data.length == 0) {
            throw ApiException.invalid(kind.label() + " " + name + " has no content (data: base64 of at least one byte)");
        }
        if (data.length > FileTable.MAX_SIZE) {
            throw ApiException.invalid(kind.label() + " " + name + " is " + data.length + " bytes: at most "
                    + FileTable.MAX_SIZE + " (500 KiB, as Docker's)");
        }
        return data;
    }

    private static void refuseTaken(ClusterState state, FileKind kind, String name) {
        ClusterFile existing = state.files().get(kind, name).orElse(null);
        if (existing != null) {
            throw ApiException.conflict(kind.label() + " " + name + " already exists (version " + existing.version()
                    + "): a new content is `flotilla " + kind.label() + " update " + name + " FILE`");
        }
    }

    private static void refuseRemoval(ClusterState state, ClusterFile file) {
        if (file.stack() != null) {
            throw ApiException.conflict(file.kind().label() + " " + file.name() + " belongs to stack " + file.stack()
                    + ": it is removed with the stack (stack rm " + file.stack() + ")");
        }
        List<String> services = FileTable.servicesUsing(state.services(), file.kind(), file.name());
        if (!services.isEmpty()) {
            throw ApiException.conflict(file.kind().label() + " " + file.name() + " is in use by service "
                    + String.join(", ", services) + " (remove those services, or their stacks, first): nothing changed");
        }
    }

    static ClusterFile find(ClusterState state, FileKind kind, String ref) {
        return state.files().find(kind, ref).orElseThrow(() -> ApiException.notFound("no such " + kind.label() + ": " + ref));
    }

    /** The object's metadata, its services and the version each of their live tasks holds; a config's content if asked. */
    private FileInfo info(ClusterState state, ClusterFile file, boolean withContent) {
        List<String> services = FileTable.servicesUsing(state.services(), file.kind(), file.name());
        List<FileInfo.TaskVersion> tasks = new ArrayList<>();
        for (String name : services) {
            Service service = state.serviceByName(name).orElseThrow();
            for (Task task : state.tasksOfService(service.id())) {
                if (task.nodeId() != null && !task.state().isTerminal() && task.desiredState() == TaskState.RUNNING
                        && mounts(task, file)) {
                    tasks.add(new FileInfo.TaskVersion(task.id(), task.displayName(), task.nodeId(),
                            task.status().files().getOrDefault(file.name(), 0L)));
                }
            }
        }
        byte[] data = withContent && file.kind() == FileKind.CONFIG ? vault.open(file) : null;
        return new FileInfo(file.id(), file.kind(), file.name(), file.stack(), file.labels(), file.version(),
                file.createdAt(), file.updatedAt(), file.sealed().plaintextLength(), services, tasks, data);
    }

    private static boolean mounts(Task task, ClusterFile file) {
        for (FileMount mount : task.spec().files()) {
            if (mount.kind() == file.kind() && mount.source().equals(file.name())) {
                return true;
            }
        }
        return false;
    }
}
