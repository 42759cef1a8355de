package io.flotilla.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DotEnvParserTest {
    private static final Path FILE = Path.of(".env");

    @Test
    void readsCompose() throws ComposeException {
        String text = """
                # comment
                A=1
                export B = two
                C="quoted # kept\\nnext"
                D='single $A'
                E=unquoted # comment
                F=${A}-$B
                G=
                INHERIT
                MISSING_INHERIT
                H="multi
                line"
                I=after
                """;
        Map<String, String> values = DotEnvParser.parse(FILE, text, Map.of("INHERIT", "from-env"));
        assertThat(values).containsExactly(
                Map.entry("A", "1"), Map.entry("B", "two"), Map.entry("C", "quoted # kept\nnext"),
                Map.entry("D", "single $A"), Map.entry("E", "unquoted"), Map.entry("F", "1-two"), Map.entry("G", ""),
                Map.entry("INHERIT", "from-env"), Map.entry("H", "multi\nline"), Map.entry("I", "after"));
    }

    @Test
    void reportsTheLineOfAnInvalidEntry() {
        assertThatThrownBy(() -> DotEnvParser.parse(FILE, "A=1\n\n=oops\n", Map.of()))
                .isInstanceOfSatisfying(ComposeException.class, e -> assertThat(e.line()).isEqualTo(3));
    }
}
