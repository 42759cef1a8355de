package io.flotilla.state;

import io.flotilla.model.ClusterFile;
import io.flotilla.model.FileKind;
import io.flotilla.model.FileMount;
import io.flotilla.model.Service;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * The secrets and configs of a {@link ClusterState} ({@link ClusterFile}), immutable, by kind and
 * name (secrets and configs have separate name spaces, as in Docker). Their content is sealed: the
 * state, its snapshots and the log hold only ciphertext, which managers open with the cluster data
 * key outside apply.
 */
public final class FileTable {
    /** Docker's rule for secret and config names. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    /** The largest content Flotilla keeps (Docker's limit for secrets and configs: 500 KiB). */
    public static final int MAX_SIZE = 500 * 1024;

    static final FileTable EMPTY = new FileTable(HashTreePMap.empty());

    private final PMap<String, ClusterFile> files;

    private FileTable(PMap<String, ClusterFile> files) {
        this.files = files;
    }

    /** Every secret or config of {@code kind}, by name. */
    public List<ClusterFile> all(FileKind kind) {
        return files.values().stream().filter(file -> file.kind() == kind)
                .sorted(Comparator.comparing(ClusterFile::name)).toList();
    }

    public Collection<ClusterFile> all() {
        return files.values();
    }

    public Optional<ClusterFile> get(FileKind kind, String name) {
        return Optional.ofNullable(files.get(ClusterFile.key(kind, name)));
    }

    /** By {@link ClusterFile#key}; null when there is none. */
    ClusterFile byKey(String key) {
        return files.get(key);
    }

    /** Whether {@code mounts} name the object of {@code key}. */
    static boolean mounts(java.util.List<FileMount> mounts, String key) {
        for (FileMount mount : mounts) {
            if (ClusterFile.key(mount.kind(), mount.source()).equals(key)) {
                return true;
            }
        }
        return false;
    }

    /** A secret or config by full name, id, or unique id prefix (as the Docker CLI resolves them). */
    public Optional<ClusterFile> find(FileKind kind, String nameOrId) {
        Optional<ClusterFile> byName = get(kind, nameOrId);
        if (byName.isPresent() || nameOrId.isEmpty()) {
            return byName;
        }
        List<ClusterFile> byId = all(kind).stream().filter(file -> file.id().startsWith(nameOrId)).toList();
        return byId.size() == 1 ? Optional.of(byId.getFirst()) : Optional.empty();
    }

    /** Every object, by kind and name: a snapshot's. */
    java.util.List<ClusterFile> saved() {
        return files.values().stream().sorted(Comparator.comparing(ClusterFile::key)).toList();
    }

    boolean isEmpty() {
        return files.isEmpty();
    }

    /** Why {@code name} cannot name a new secret or config: Docker's rule for names; null when it can. */
    public static String nameRefusal(FileKind kind, String name) {
        if (name == null || !NAME.matcher(name).matches() || name.length() > 64) {
            return "invalid " + kind.label() + " name " + name + ": use up to 64 letters, digits, '_', '.' and '-',"
                    + " starting with a letter or digit";
        }
        return null;
    }

    /** The names of the services whose template has the object as a file, sorted. */
    public static List<String> servicesUsing(Collection<Service> services, FileKind kind, String name) {
        List<String> names = new ArrayList<>();
        for (Service service : services) {
            if (uses(service, kind, name)) {
                names.add(service.spec().name());
            }
        }
        names.sort(null);
        return names;
    }

    static boolean uses(Service service, FileKind kind, String name) {
        for (FileMount mount : service.spec().task().files()) {
            if (mount.kind() == kind && mount.source().equals(name)) {
                return true;
            }
        }
        return false;
    }

    // ---- changes, for apply ----

    FileTable put(ClusterFile file) {
        return new FileTable(files.plus(file.key(), file));
    }

    FileTable remove(FileKind kind, String name) {
        return new FileTable(files.minus(ClusterFile.key(kind, name)));
    }
}
