package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A ledger file as the end-to-end tests read it ({@code flotilla demo-app ledger} writes
 * {@code <n> <task id> <time>} lines), and the checks that two writers at once would break:
 * numbers go up by exactly one per line (nothing lost, nothing written twice), and each writer's
 * lines form one unbroken run (no interleaving).
 */
record LedgerLog(List<String> lines, List<Long> numbers, List<String> lineWriters) {
    static LedgerLog read(Path directory) throws IOException {
        return parse(Files.readAllLines(directory.resolve("ledger.log"), StandardCharsets.UTF_8));
    }

    static LedgerLog parse(List<String> lines) {
        List<Long> numbers = new ArrayList<>();
        List<String> writers = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.trim().split("\\s+");
            assertThat(fields).as("ledger line '" + line + "'").hasSizeGreaterThanOrEqualTo(3);
            numbers.add(Long.parseLong(fields[0]));
            writers.add(fields[1]);
        }
        return new LedgerLog(List.copyOf(lines), numbers, writers);
    }

    /** The writers in the order they wrote, each once per unbroken run of lines. */
    List<String> writers() {
        List<String> runs = new ArrayList<>();
        for (String writer : lineWriters) {
            if (runs.isEmpty() || !runs.getLast().equals(writer)) {
                runs.add(writer);
            }
        }
        return runs;
    }

    void assertOneWriterAtATime() {
        assertThat(numbers).as("ledger lines").isNotEmpty();
        for (int i = 1; i < numbers.size(); i++) {
            assertThat(numbers.get(i)).as("line %d follows %d (%s after %s):%n%s", numbers.get(i), numbers.get(i - 1),
                    lineWriters.get(i), lineWriters.get(i - 1), around(i)).isEqualTo(numbers.get(i - 1) + 1);
        }
        assertThat(writers()).as("each writer one unbroken run (no interleaving)").doesNotHaveDuplicates();
    }

    /** The lines around line index {@code i}, to show what happened there. */
    private String around(int i) {
        return String.join("\n", lines.subList(Math.max(0, i - 4), Math.min(lines.size(), i + 4)));
    }
}
