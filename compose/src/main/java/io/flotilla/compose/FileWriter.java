package io.flotilla.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.model.ClusterFile;
import io.flotilla.model.FileKind;
import io.flotilla.model.FileMount;
import io.flotilla.model.TaskTemplate;
import java.util.Map;

/**
 * A service's secrets and configs in the normalized file ({@code stack config}), in the long syntax
 * with every default written out; and the top-level declarations without a config's inline
 * {@code content} (a file and an environment variable are named, never read out).
 */
final class FileWriter {

    private FileWriter() {}

    /** @param fileKeys each file's key in the stack file by {@link ClusterFile#key} */
    static void service(ObjectNode out, TaskTemplate task, Map<String, String> fileKeys) {
        for (FileKind kind : FileKind.values()) {
            ArrayNode list = null;
            for (FileMount mount : task.files()) {
                if (mount.kind() != kind) {
                    continue;
                }
                if (list == null) {
                    list = out.putArray(kind.label() + "s");
                }
                ObjectNode item = list.addObject();
                item.put("source", fileKeys.getOrDefault(ClusterFile.key(kind, mount.source()), mount.source()));
                item.put("target", mount.target());
                if (mount.uid() != null) {
                    item.put("uid", mount.uid());
                }
                if (mount.gid() != null) {
                    item.put("gid", mount.gid());
                }
                item.put("mode", "0" + Integer.toOctalString(mount.mode()));
            }
        }
    }

    /** The declarations with each inline {@code content} replaced by its size: {@code stack config} shows no content. */
    static JsonNode withoutContent(JsonNode declarations) {
        JsonNode copy = declarations.deepCopy();
        if (copy instanceof ObjectNode object) {
            object.properties().forEach(entry -> {
                if (entry.getValue() instanceof ObjectNode declaration && declaration.has("content")) {
                    int size = declaration.get("content").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                    declaration.remove("content");
                    declaration.put("x-flotilla-content", size + " bytes, not shown");
                }
            });
        }
        return copy;
    }
}
