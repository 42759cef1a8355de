package io.flotilla.compose;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Loads one compose file the way compose-go's {@code loadYamlFile} does before files are merged:
 * read it, substitute its variables, pull in what it {@code include}s, then resolve its services'
 * {@code extends}. A file reached through {@code extends.file} is read and substituted with the
 * same variables and has its relative paths made absolute against its own directory; its own
 * {@code include} is not followed (as in compose-go), its {@code extends} are.
 */
final class ComposeFileLoader {
    /**
     * Files read for one stack, each {@code include} counted again: includes that name the same file
     * twice at every level would otherwise read 2^depth files (the reading bounds of security issue 17).
     */
    static final int MAX_FILES = 256;
    /**
     * Nodes one stack may build across its files and the copies {@code extends} makes: five files
     * at {@link YamlTreeReader#MAX_NODES}. Without it, 256 large included files, or a long chain
     * of services each extending the last (each copy bigger than the one before), would fill the heap.
     */
    static final int MAX_STACK_NODES = 5 * YamlTreeReader.MAX_NODES;
    /**
     * Bytes read of one file, at most: the reader takes {@link YamlTreeReader#MAX_CODE_POINTS}, and
     * an {@code include} may name any file ({@code /proc/kcore} is "regular" and endless).
     */
    static final int MAX_FILE_BYTES = 4 * YamlTreeReader.MAX_CODE_POINTS;
    private final Consumer<String> unsetVariables;
    private int filesRead;
    private long nodes;
    private final Map<Path, YamlTreeReader.Document> extendedFiles = new HashMap<>();

    /** @param unsetVariables told each variable used but set nowhere (for the warning) */
    ComposeFileLoader(Consumer<String> unsetVariables) {
        this.unsetVariables = unsetVariables;
    }

    /**
     * @param workingDirectory what the file's {@code include} and {@code extends.file} paths are
     *                         relative to: the project directory for the files given with {@code -c}
     *                         (as compose-go resolves every path of every {@code -f} file), the
     *                         included project's directory for an included file
     * @param includedBy       the files whose {@code include} led here, outermost first (to refuse cycles)
     */
    YamlTreeReader.Document load(Path file, Path workingDirectory, Map<String, String> variables,
                                 List<Path> includedBy)
            throws ComposeException {
        Path absolute = file.toAbsolutePath().normalize();
        YamlTreeReader.Document document = read(absolute, variables);
        List<Path> chain = new ArrayList<>(includedBy);
        chain.add(absolute);
        Path directory = workingDirectory.toAbsolutePath().normalize();
        IncludeResolver.apply(document, directory, variables, chain, this);
        ExtendsResolver.apply(document, absolute, directory, variables, this);
        return document;
    }

    /** A file named by {@code extends.file}, read once however many services extend from it. */
    YamlTreeReader.Document extended(Path file, Map<String, String> variables) throws ComposeException {
        Path absolute = file.toAbsolutePath().normalize();
        YamlTreeReader.Document document = extendedFiles.get(absolute);
        if (document == null) {
            document = read(absolute, variables);
            RelativePaths.resolve(document.root(), absolute.getParent());
            extendedFiles.put(absolute, document);
        }
        return document;
    }

    /** Counts {@code count} more nodes for the stack, refusing it (at {@code path}) past {@link #MAX_STACK_NODES}. */
    void charge(int count, SourceMap sourceMap, NodePath path) throws ComposeException {
        nodes += count;
        if (nodes > MAX_STACK_NODES) {
            throw sourceMap.error(path, true, "the stack has more than " + MAX_STACK_NODES
                    + " YAML nodes across its files and extends copies");
        }
    }

    private YamlTreeReader.Document read(Path file, Map<String, String> variables) throws ComposeException {
        if (++filesRead > MAX_FILES) {
            throw new ComposeException(file, 0, 0, "", "more than " + MAX_FILES
                    + " compose files read for one stack (each include and extends file counts)");
        }
        String text;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new ComposeException(file, 0, 0, "", "a compose file must be at most " + MAX_FILE_BYTES
                        + " bytes");
            }
            text = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (IOException e) {
            throw new ComposeException(file, 0, 0, "", "cannot read compose file: " + e);
        }
        YamlTreeReader.Document document = YamlTreeReader.read(file, text);
        charge(YamlTreeReader.size(document.root()), document.sourceMap(), NodePath.ROOT);
        new DocumentInterpolator(new Interpolator(variables, unsetVariables), document.sourceMap())
                .interpolate(document.root());
        return document;
    }
}
