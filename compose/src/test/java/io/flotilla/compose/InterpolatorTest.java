package io.flotilla.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class InterpolatorTest {
    private static final Map<String, String> VARIABLES = Map.of("SET", "value", "EMPTY", "", "N", "3");

    record Row(String template, String expected) {}

    static Stream<Row> rows() {
        return Stream.of(
                new Row("plain", "plain"),
                new Row("$SET", "value"),
                new Row("${SET}", "value"),
                new Row("a${SET}b$SET.c", "avaluebvalue.c"),
                new Row("${UNSET:-default}", "default"),
                new Row("${EMPTY:-default}", "default"),
                new Row("${EMPTY-default}", ""),
                new Row("${UNSET-default}", "default"),
                new Row("${SET:-default}", "value"),
                new Row("${SET:+alt}", "alt"),
                new Row("${EMPTY:+alt}", ""),
                new Row("${EMPTY+alt}", "alt"),
                new Row("${UNSET+alt}", ""),
                new Row("${UNSET:-${SET}}", "value"),
                new Row("${UNSET:-${ALSO_UNSET:-deep}}", "deep"),
                new Row("${UNSET:-a:b-c}", "a:b-c"),
                new Row("$$", "$"),
                new Row("$${SET}", "${SET}"),
                new Row("$$$SET", "$value"),
                new Row("${SET?boom}", "value"),
                new Row("${EMPTY?boom}", ""),
                new Row("http://127.0.0.1:$${PORT}/health", "http://127.0.0.1:${PORT}/health"));
    }

    @ParameterizedTest
    @MethodSource("rows")
    void substitutes(Row row) throws Exception {
        assertThat(new Interpolator(VARIABLES, name -> { }).interpolate(row.template())).isEqualTo(row.expected());
    }

    @Test
    void anUnsetVariableIsBlankAndReported() throws Exception {
        List<String> unset = new ArrayList<>();
        assertThat(new Interpolator(VARIABLES, unset::add).interpolate("x${NOPE}y$ALSO")).isEqualTo("xy");
        assertThat(unset).containsExactly("NOPE", "ALSO");
    }

    @Test
    void aRequiredVariableMustBeSet() {
        Interpolator interpolator = new Interpolator(VARIABLES, name -> { });
        assertThatThrownBy(() -> interpolator.interpolate("${X:?must be set}"))
                .hasMessage("required variable X is missing a value: must be set");
        assertThatThrownBy(() -> interpolator.interpolate("${EMPTY:?empty is not enough}"))
                .hasMessageContaining("EMPTY");
        assertThatThrownBy(() -> interpolator.interpolate("${X?}")).hasMessage("required variable X is missing a value");
    }

    @Test
    void refusesInvalidTemplates() {
        Interpolator interpolator = new Interpolator(VARIABLES, name -> { });
        for (String template : List.of("$", "${", "${SET", "${}", "${1A}", "$1", "${SET:}", "${SET*x}", "cost: 5$")) {
            assertThatThrownBy(() -> interpolator.interpolate(template))
                    .as(template).hasMessageContaining("invalid interpolation format");
        }
    }

    /** Escaping every dollar makes any text come out exactly as written, whatever the variables. */
    @Property
    void escapedTextIsLiteral(@ForAll String text) throws Exception {
        String escaped = text.replace("$", "$$");
        assertThat(new Interpolator(VARIABLES, name -> { }).interpolate(escaped)).isEqualTo(text);
    }

    /** A value containing no dollar passes through a substitution unchanged. */
    @Property
    void substitutedValuesAreNotSubstitutedAgain(@ForAll String value) throws Exception {
        Map<String, String> variables = Map.of("V", value);
        assertThat(new Interpolator(variables, name -> { }).interpolate("[${V}]")).isEqualTo("[" + value + "]");
    }
}
