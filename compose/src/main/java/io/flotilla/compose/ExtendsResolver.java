package io.flotilla.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Resolves {@code services.<name>.extends} (the Compose Specification's 05-services.md): the
 * referenced service, in the same file or in {@code file} (relative to the project directory for a
 * file given with {@code -c}, to the extended file's directory inside an extended file, as in
 * compose-go), is resolved first (chains), then the service is merged over a copy of it by the
 * rules of {@link ComposeMerger}, and {@code extends} is dropped. A chain that comes back to a
 * service it passed is refused, naming the chain; so is a missing service or file.
 */
final class ExtendsResolver {
    private final ComposeFileLoader files;
    private final Map<String, String> variables;
    /** The services being resolved, as {@code name (file)}, outermost first. */
    private final List<String> chain = new ArrayList<>();

    private ExtendsResolver(ComposeFileLoader files, Map<String, String> variables) {
        this.files = files;
        this.variables = variables;
    }

    /** @param directory what {@code extends.file} is relative to in this document (its working directory) */
    static void apply(YamlTreeReader.Document document, Path file, Path directory, Map<String, String> variables,
                      ComposeFileLoader files) throws ComposeException {
        if (!(document.root().get("services") instanceof ObjectNode services)) {
            return;
        }
        ExtendsResolver resolver = new ExtendsResolver(files, variables);
        for (String name : List.copyOf(services.properties().stream().map(Map.Entry::getKey).toList())) {
            resolver.resolve(document, file, directory, name);
        }
    }

    private JsonNode resolve(YamlTreeReader.Document document, Path file, Path directory, String name)
            throws ComposeException {
        ObjectNode services = (ObjectNode) document.root().get("services");
        JsonNode service = services.get(name);
        NodePath path = NodePath.ROOT.child("services").child(name);
        if (!(service instanceof ObjectNode serviceObject) || !service.has("extends")) {
            return service;
        }
        ComposeNode extendsNode = new ComposeNode(service.get("extends"), path.child("extends"), document.sourceMap());
        String link = name + " (" + file + ")";
        if (chain.contains(link)) {
            List<String> cycle = new ArrayList<>(chain.subList(chain.indexOf(link), chain.size()));
            cycle.add(link);
            throw extendsNode.keyError("extends cycle: " + String.join(" -> ", cycle));
        }
        String reference;
        YamlTreeReader.Document baseDocument = document;
        Path baseFile = file;
        if (extendsNode.isText()) {
            reference = extendsNode.text();
        } else if (extendsNode.isObject()) {
            ComposeNode serviceNode = extendsNode.get("service");
            if (!serviceNode.isPresent()) {
                throw extendsNode.keyError("extends needs service: the name of the service to extend");
            }
            reference = serviceNode.text();
            ComposeNode fileNode = extendsNode.get("file");
            if (fileNode.isPresent()) {
                baseFile = directory.resolve(fileNode.text()).normalize();
                if (!Files.isRegularFile(baseFile)) {
                    throw fileNode.error("extends file " + baseFile + " not found");
                }
                baseDocument = files.extended(baseFile, variables);
            }
        } else {
            return service; // the schema names what is wrong with it
        }
        JsonNode baseServices = baseDocument.root().get("services");
        if (baseServices == null || !baseServices.has(reference)) {
            throw extendsNode.keyError("cannot extend service \"" + reference + "\": no such service in " + baseFile);
        }
        chain.add(link);
        JsonNode base = resolve(baseDocument, baseFile, baseDocument == document ? directory : baseFile.getParent(),
                reference);
        chain.removeLast();
        if (!(base instanceof ObjectNode baseObject)) {
            throw extendsNode.keyError("cannot extend service \"" + reference + "\" of " + baseFile
                    + ": it is not a mapping");
        }
        SourceMap own = new SourceMap(file);
        own.copyNode(document.sourceMap(), serviceObject, path.pointer(), path.pointer());
        files.charge(YamlTreeReader.size(baseObject), document.sourceMap(), path.child("extends"));
        ObjectNode merged = baseObject.deepCopy();
        document.sourceMap().copyNode(baseDocument.sourceMap(), baseObject,
                NodePath.ROOT.child("services").child(reference).pointer(), path.pointer());
        document.sourceMap().copyNode(own, serviceObject, path.pointer(), path.pointer());
        ComposeMerger.mergeInto(merged, serviceObject, path, own, document.sourceMap());
        merged.remove("extends");
        services.set(name, merged);
        return merged;
    }
}
