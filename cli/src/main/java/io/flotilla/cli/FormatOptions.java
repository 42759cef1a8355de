package io.flotilla.cli;

import io.flotilla.model.Json;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --format table|json} for every ls/ps: json prints an array of the same objects the table shows. */
public final class FormatOptions {
    @Option(names = "--format", defaultValue = "table", paramLabel = "table|json",
            description = "Output format: table (default) or json (an array of objects).")
    String format;

    public boolean json() {
        if (!format.equals("table") && !format.equals("json")) {
            throw new IllegalArgumentException("--format must be table or json, not " + format);
        }
        return format.equals("json");
    }

    public void printJson(PrintStream out, List<Map<String, Object>> rows) {
        out.println(Json.pretty(rows));
    }
}
