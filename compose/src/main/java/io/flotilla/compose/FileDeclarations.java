package io.flotilla.compose;

import io.flotilla.model.FileKind;
import io.flotilla.model.FileSpec;
import io.flotilla.model.api.FileData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The top-level {@code secrets:} and {@code configs:} of a stack file, as Compose reads them: each
 * entry is the stack's own, named {@code <stack>_<key>} (or its {@code name:}), whose content comes
 * from a {@code file} (relative to the project directory), an {@code environment} variable (the
 * environment over {@code .env}) or, for a config, inline {@code content}; or, with {@code external:
 * true}, one made with {@code flotilla secret|config create}, named by its key (or {@code name:}).
 * The content is read here, on the CLI's side, and travels beside the stack in the deploy request
 * ({@link FileData}), never in the stack spec (which {@code stack config} prints).
 */
final class FileDeclarations {
    /** Docker's rule for secret and config names. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    private static final int MAX_SIZE = 500 * 1024;
    private static final Set<String> IGNORED = Set.of("driver", "driver_opts", "template_driver");

    /**
     * One declared secret or config.
     *
     * @param key     its key in the file
     * @param spec    what the stack declares (its cluster-wide name, labels, external)
     * @param content its content (own ones), read from what the file names; null for an external one
     * @param at      where it is declared (to name it in a warning or an error)
     */
    record Declared(String key, FileSpec spec, byte[] content, ComposeNode at) {
        FileData data() {
            return new FileData(spec.kind(), spec.name(), spec.labels(), content);
        }

        @Override
        public String toString() {
            return "Declared[" + spec.kind().label() + " " + key + " → " + spec.name() + "]";
        }
    }

    private FileDeclarations() {}

    /** The declarations of {@code kind} by key, in file order. */
    static Map<String, Declared> read(ComposeNode declarations, FileKind kind, MappingContext context)
            throws ComposeException {
        Map<String, Declared> declared = new LinkedHashMap<>();
        for (Map.Entry<String, ComposeNode> entry : declarations.fields().entrySet()) {
            declared.put(entry.getKey(), declaration(entry.getKey(), entry.getValue(), kind, context));
        }
        return declared;
    }

    private static Declared declaration(String key, ComposeNode node, FileKind kind, MappingContext context)
            throws ComposeException {
        String label = kind.label();
        if (!node.isObject()) {
            throw node.error(label + " " + key + " must be a mapping with file, environment"
                    + (kind == FileKind.CONFIG ? ", content" : "") + " or external");
        }
        for (String option : node.fields().keySet()) {
            if (IGNORED.contains(option)) {
                context.warn(node.path().key() + "." + option + " is ignored: Flotilla stores " + label
                        + "s itself, encrypted on the managers");
            }
        }
        ComposeNode externalNode = node.get("external");
        boolean external = externalNode.isObject() || externalNode.booleanOr(false);
        String name = node.get("name").textOrNull();
        if (externalNode.isObject() && externalNode.get("name").isPresent()) {
            name = externalNode.get("name").text();
        }
        if (name == null) {
            name = external ? key : context.stackName + "_" + key;
        }
        if (!NAME.matcher(name).matches() || name.length() > 64) {
            throw node.keyError("invalid " + label + " name " + name + ": use up to 64 letters, digits, '_', '.' and"
                    + " '-', starting with a letter or digit");
        }
        java.util.Map<String, String> labels = EnvironmentResolver.keyValues(node.get("labels"), null);
        if (external) {
            for (String source : new String[] {"file", "environment", "content"}) {
                if (node.get(source).isPresent()) {
                    throw node.get(source).keyError(label + " " + key + " is external: it takes no " + source);
                }
            }
            return new Declared(key, new FileSpec(kind, name, labels, true), null, node);
        }
        return new Declared(key, new FileSpec(kind, name, labels, false), content(key, node, kind, context), node);
    }

    /** The content of an own declaration: exactly one of its sources, read now. */
    private static byte[] content(String key, ComposeNode node, FileKind kind, MappingContext context)
            throws ComposeException {
        String label = kind.label();
        ComposeNode file = node.get("file");
        ComposeNode environment = node.get("environment");
        ComposeNode content = node.get("content");
        int sources = (file.isPresent() ? 1 : 0) + (environment.isPresent() ? 1 : 0) + (content.isPresent() ? 1 : 0);
        if (sources != 1) {
            throw node.keyError(label + " " + key + " needs exactly one of file, environment"
                    + (kind == FileKind.CONFIG ? ", content" : "") + " (or external: true)");
        }
        byte[] data;
        if (file.isPresent()) {
            Path path = context.resolveHostPath(file.text());
            try {
                if (Files.isRegularFile(path) && Files.size(path) > MAX_SIZE) {
                    throw file.error(label + " " + key + ": " + path + " is larger than 500 KiB");
                }
                data = Files.readAllBytes(path);
            } catch (IOException e) {
                throw file.error(label + " " + key + ": cannot read " + path + " (" + e.getClass().getSimpleName() + ")");
            }
        } else if (environment.isPresent()) {
            String variable = environment.text();
            String value = context.variables.get(variable);
            if (value == null) {
                throw environment.error(label + " " + key + ": environment variable " + variable + " is not set");
            }
            data = value.getBytes(StandardCharsets.UTF_8);
        } else {
            if (kind == FileKind.SECRET) {
                throw content.keyError("secret " + key + ": content is for configs; give a secret a file or an"
                        + " environment variable (a stack file is not a place for a secret)");
            }
            data = content.text().getBytes(StandardCharsets.UTF_8);
        }
        if (data.length == 0) {
            throw node.keyError(label + " " + key + " is empty: give it some content");
        }
        if (data.length > MAX_SIZE) {
            throw node.keyError(label + " " + key + " is larger than 500 KiB");
        }
        return data;
    }
}
