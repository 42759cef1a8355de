package io.flotilla.compose;

import io.flotilla.model.MeshRouting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Labels ({@code labels} or {@code deploy.labels}) with the mesh's TLS files made absolute: a
 * {@code flotilla.tls.certificate} or {@code flotilla.tls.key} that names a top-level secret
 * becomes that secret's {@code file}; any other value is a path, relative to the stack file's
 * directory. The file must exist when the stack is loaded, so a typo fails here, with its line.
 * Every node reads the files at the same path (as bind mounts): put them where every node has them.
 */
final class MeshLabels {
    private MeshLabels() {}

    static Map<String, String> resolve(ComposeNode labelsNode, MappingContext context) throws ComposeException {
        Map<String, String> labels = new LinkedHashMap<>(EnvironmentResolver.keyValues(labelsNode, null));
        for (String label : new String[] {MeshRouting.TLS_CERTIFICATE_LABEL, MeshRouting.TLS_KEY_LABEL}) {
            String value = labels.get(label);
            if (value == null || value.isBlank()) {
                continue;
            }
            Path file;
            ComposeNode secret = context.secrets.get(value.strip());
            if (secret != null) {
                context.meshSecrets.add(value.strip());
                String secretFile = secret.get("file").textOrNull();
                if (secretFile == null) {
                    throw labelsNode.error("label " + label + " names secret " + value
                            + ", which has no file (the mesh reads certificates from files)");
                }
                file = context.resolveHostPath(secretFile);
            } else {
                file = context.resolveHostPath(value.strip());
            }
            if (!Files.isReadable(file)) {
                throw labelsNode.error("label " + label + "=" + value + ": no readable file " + file
                        + " (give a PEM file, or the name of a secret of this file)");
            }
            labels.put(label, file.toString());
        }
        return labels;
    }
}
