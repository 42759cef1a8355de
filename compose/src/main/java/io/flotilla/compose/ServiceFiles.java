package io.flotilla.compose;

import io.flotilla.model.FileKind;
import io.flotilla.model.FileMount;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A service's {@code secrets:} and {@code configs:}, short ({@code - db-password}) and long syntax
 * ({@code source}, {@code target}, {@code uid}, {@code gid}, {@code mode}), as {@link FileMount}s with
 * Compose's defaults: a secret at {@code /run/secrets/<source>}, a config at {@code /<source>}, mode
 * 0444. The source is a key of the file's top-level declarations; the mount names the object's
 * cluster-wide name.
 */
final class ServiceFiles {
    private ServiceFiles() {}

    static List<FileMount> map(ComposeNode service, MappingContext context) throws ComposeException {
        List<FileMount> mounts = new ArrayList<>();
        mounts.addAll(map(service.get("secrets"), FileKind.SECRET, context.secretDeclarations, context));
        mounts.addAll(map(service.get("configs"), FileKind.CONFIG, context.configDeclarations, context));
        return mounts;
    }

    private static List<FileMount> map(ComposeNode list, FileKind kind, Map<String, FileDeclarations.Declared> declared,
                                       MappingContext context) throws ComposeException {
        List<FileMount> mounts = new ArrayList<>();
        Set<String> targets = new HashSet<>();
        for (ComposeNode item : list.items()) {
            ComposeNode sourceNode = item.isObject() ? item.get("source") : item;
            String source = sourceNode.text();
            FileDeclarations.Declared declaration = declared.get(source);
            if (declaration == null) {
                throw sourceNode.error(kind.label() + " " + source + " is not declared in the top-level " + kind.label()
                        + "s");
            }
            String target = item.isObject() ? item.get("target").textOrNull() : null;
            if (target == null) {
                target = kind == FileKind.SECRET ? source : "/" + source;
            }
            if (kind == FileKind.CONFIG && !target.startsWith("/")) {
                target = "/" + target;
            }
            if (!targets.add(target)) {
                throw item.error("two " + kind.label() + "s of this service have the target " + target);
            }
            String uid = item.isObject() ? item.get("uid").textOrNull() : null;
            String gid = item.isObject() ? item.get("gid").textOrNull() : null;
            int mode = item.isObject() ? mode(item.get("mode")) : FileMount.DEFAULT_MODE;
            mounts.add(new FileMount(kind, declaration.spec().name(), target, uid, gid, mode));
            context.usedFiles.add(kind.label() + ":" + source);
        }
        return mounts;
    }

    /** Octal permission bits: a YAML number (0440, read as octal as Compose does) or a string ({@code "0440"}). */
    private static int mode(ComposeNode node) throws ComposeException {
        if (!node.isPresent()) {
            return FileMount.DEFAULT_MODE;
        }
        int mode;
        if (node.isText()) {
            try {
                mode = Integer.parseInt(node.text().strip(), 8);
            } catch (NumberFormatException e) {
                throw node.error("mode must be octal permission bits such as 0440, not \"" + node.text() + "\"");
            }
        } else {
            mode = node.intValue();
        }
        if (mode < 0 || mode > 07777) {
            throw node.error("mode " + Integer.toOctalString(mode) + " is not a permission mode");
        }
        return mode;
    }
}
