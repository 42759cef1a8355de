package io.flotilla.cli.commands;

import io.flotilla.cli.ClientOptions;
import io.flotilla.cli.FormatOptions;
import io.flotilla.cli.Humanize;
import io.flotilla.cli.Table;
import io.flotilla.client.ApiClient;
import io.flotilla.client.ApiException;
import io.flotilla.model.FileKind;
import io.flotilla.model.Json;
import io.flotilla.model.api.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What {@code flotilla secret …} and {@code flotilla config …} share (docs/secrets.md): each
 * subcommand is written once here for a {@link FileKind} and named in {@link SecretCommands} and
 * {@link ConfigCommands}. Docker's shape: {@code create NAME FILE|-}, {@code ls}, {@code inspect},
 * {@code rm}; and {@code update NAME FILE|-}, which Swarm does not have (a new version that
 * reaches running tasks). A secret's content is never printed; a config's by {@code inspect}.
 */
final class FileObjectCommands {
    /** Docker's limit for a secret or config, checked before sending. */
    static final int MAX_SIZE = 500 * 1024;

    private FileObjectCommands() {}

    /** The content of {@code FILE}, or of standard input for {@code -}. */
    static byte[] read(String file, FileKind kind) {
        try {
            byte[] data;
            if (file.equals("-")) {
                try (InputStream in = System.in) {
                    data = in.readNBytes(MAX_SIZE + 1);
                }
            } else {
                Path path = Path.of(file);
                if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                    throw new IllegalArgumentException("cannot read " + file + ": no such readable file");
                }
                if (Files.size(path) > MAX_SIZE) {
                    throw new IllegalArgumentException(file + " is larger than 500 KiB, the most a " + kind.label()
                            + " may hold");
                }
                data = Files.readAllBytes(path);
            }
            if (data.length > MAX_SIZE) {
                throw new IllegalArgumentException("the " + kind.label() + " is larger than 500 KiB");
            }
            if (data.length == 0) {
                throw new IllegalArgumentException("the " + kind.label() + " is empty: give it some content");
            }
            return data;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** {@code 3 at v2, 1 at v1}: which version the tasks that use it hold (as their agents report it). */
    static String taskVersions(FileInfo file) {
        Map<Long, Integer> byVersion = new TreeMap<>(java.util.Comparator.reverseOrder());
        file.tasks().forEach(task -> byVersion.merge(task.version(), 1, Integer::sum));
        List<String> parts = new ArrayList<>();
        byVersion.forEach((version, count) -> parts.add(count + (version == 0 ? " not reported" : " at v" + version)));
        return String.join(", ", parts);
    }

    /** One {@code ls} row; the same map is the {@code --format json} object. */
    static Map<String, Object> view(FileInfo file) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", file.id());
        view.put("name", file.name());
        view.put("version", file.version());
        view.put("createdAt", file.createdAt());
        view.put("updatedAt", file.updatedAt());
        view.put("stack", file.stack());
        view.put("labels", new TreeMap<>(file.labels()));
        view.put("size", file.size());
        view.put("services", file.services());
        view.put("tasks", file.tasks());
        return view;
    }

    static Table table(List<FileInfo> files, Instant now) {
        Table table = new Table("ID", "NAME", "VERSION", "CREATED", "UPDATED", "TASKS");
        for (FileInfo file : files) {
            table.row(Humanize.shortId(file.id()), file.name(), Long.toString(file.version()),
                    Humanize.ago(file.createdAt(), now), Humanize.ago(file.updatedAt(), now), taskVersions(file));
        }
        return table;
    }

    /** {@code inspect}'s object, in the shape of Docker's ({@code ID}, {@code Version.Index}, {@code Spec}). */
    static Map<String, Object> inspect(FileInfo file) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("Name", file.name());
        spec.put("Labels", new TreeMap<>(file.labels()));
        if (file.data() != null) {
            spec.put("Data", Base64.getEncoder().encodeToString(file.data()));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ID", file.id());
        out.put("Version", Map.of("Index", file.version()));
        out.put("CreatedAt", file.createdAt());
        out.put("UpdatedAt", file.updatedAt());
        out.put("Spec", spec);
        out.put("Stack", file.stack());
        out.put("Size", file.size());
        out.put("Services", file.services());
        out.put("Tasks", file.tasks());
        return out;
    }

    /** Docker's {@code --pretty}: the fields as lines, a config's content last. */
    static String pretty(FileInfo file) {
        StringBuilder out = new StringBuilder();
        out.append("ID:              ").append(file.id()).append('\n');
        out.append("Name:            ").append(file.name()).append('\n');
        if (!file.labels().isEmpty()) {
            out.append("Labels:\n");
            new TreeMap<>(file.labels()).forEach((k, v) -> out.append(" - ").append(k).append('=').append(v).append('\n'));
        }
        out.append("Version:         ").append(file.version()).append('\n');
        out.append("Created at:      ").append(file.createdAt()).append('\n');
        out.append("Updated at:      ").append(file.updatedAt()).append('\n');
        if (file.stack() != null) {
            out.append("Stack:           ").append(file.stack()).append('\n');
        }
        out.append("Services:        ").append(String.join(", ", file.services())).append('\n');
        out.append("Tasks:           ").append(taskVersions(file)).append('\n');
        if (file.data() != null) {
            out.append("Data:\n").append(new String(file.data(), StandardCharsets.UTF_8));
        }
        return out.toString();
    }

    abstract static class Base {
        @Mixin ClientOptions client;

        abstract FileKind kind();
    }

    abstract static class Create extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "Its name.") String name;
        @Parameters(index = "1", paramLabel = "FILE|-", description = "The file to read, or - for standard input.")
        String file;
        @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "A label (repeatable).")
        List<String> labels = new ArrayList<>();

        @Override
        public Integer call() {
            Map<String, String> labelMap = new LinkedHashMap<>();
            for (String label : labels) {
                int equals = label.indexOf('=');
                if (equals == 0) {
                    throw new IllegalArgumentException("--label needs KEY=VALUE, not \"" + label + "\"");
                }
                labelMap.put(equals < 0 ? label : label.substring(0, equals), equals < 0 ? "" : label.substring(equals + 1));
            }
            System.out.println(client.client().createFile(kind(), name, labelMap, read(file, kind())).id());
            return 0;
        }
    }

    abstract static class Update extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "Its name or id.") String name;
        @Parameters(index = "1", paramLabel = "FILE|-", description = "The new content's file, or - for standard input.")
        String file;

        @Override
        public Integer call() {
            FileInfo updated = client.client().updateFile(kind(), name, read(file, kind()));
            System.out.println(updated.name() + " version " + updated.version());
            return 0;
        }
    }

    abstract static class Ls extends Base implements Callable<Integer> {
        @Mixin FormatOptions format;
        @Option(names = {"-q", "--quiet"}, description = "Only display IDs.") boolean quiet;

        @Override
        public Integer call() {
            List<FileInfo> files = client.client().files(kind());
            if (quiet) {
                files.forEach(f -> System.out.println(Humanize.shortId(f.id())));
            } else if (format.json()) {
                format.printJson(System.out, files.stream().map(FileObjectCommands::view).toList());
            } else {
                table(files, Instant.now()).print(System.out);
            }
            return 0;
        }
    }

    abstract static class Inspect extends Base implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "NAME", description = "Names or ids.") List<String> names;
        @Option(names = "--pretty", description = "Print in a human friendly format.") boolean pretty;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            List<FileInfo> found = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (String name : names) {
                try {
                    found.add(api.file(kind(), name));
                } catch (ApiException e) {
                    if (e.status() != 404) {
                        throw e;
                    }
                    errors.add(e.getMessage());
                }
            }
            if (pretty) {
                found.forEach(file -> System.out.println(pretty(file)));
            } else {
                System.out.println(Json.pretty(found.stream().map(FileObjectCommands::inspect).toList()));
            }
            errors.forEach(error -> System.err.println("Error: " + error));
            return errors.isEmpty() ? 0 : 1;
        }
    }

    abstract static class Rm extends Base implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "NAME", description = "Names or ids.") List<String> names;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            int status = 0;
            for (String name : names) {
                try {
                    api.removeFile(kind(), name);
                    System.out.println(name);
                } catch (ApiException e) {
                    if (e.status() == 0) {
                        throw e;
                    }
                    System.err.println("Error: " + e.getMessage());
                    status = 1;
                }
            }
            return status;
        }
    }
}
