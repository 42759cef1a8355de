package io.flotilla.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each invalid fixture must be refused with the line and key of its mistake. */
class InvalidComposeFileTest {
    record Case(String fixture, int line, int column, String key, String messagePart) {
        @Override
        public String toString() {
            return fixture;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("bad-yaml.yaml", 5, 5, "", "invalid YAML"),
                new Case("replicas-many.yaml", 5, 17, "services.web.deploy.replicas", "must be an integer, not \"many\""),
                new Case("unknown-key.yaml", 5, 5, "services.api.imagee", "additional property imagee is not allowed"),
                new Case("ports-type.yaml", 8, 9, "services.web.ports[1].protcol", "additional property protcol"),
                new Case("ports-not-list.yaml", 4, 5, "services.web.ports", "array"),
                new Case("bad-port.yaml", 5, 9, "services.web.ports[0]", "invalid port \"80:x\""),
                new Case("required-variable.yaml", 5, 16, "services.web.environment.API_KEY",
                        "required variable X is missing a value: must be set"),
                new Case("unknown-dependency.yaml", 6, 9, "services.web.depends_on[1]",
                        "depends on undefined service \"cache\""),
                new Case("nothing-to-run.yaml", 2, 3, "services.web", "nothing to run"),
                new Case("bad-memory.yaml", 7, 19, "services.web.deploy.resources.limits.memory", "invalid size \"lots\""),
                new Case("undefined-volume.yaml", 5, 9, "services.web.volumes[0]", "undefined volume data"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsFileLineColumnAndKey(Case c) {
        ComposeException error = catchThrowableOfType(ComposeException.class,
                () -> new ComposeLoader(Map.of()).load(Fixtures.path("invalid/" + c.fixture()), "test"));

        assertThat(error).as("refused").isNotNull();
        assertThat(error.file()).isEqualTo(Fixtures.path("invalid/" + c.fixture()));
        assertThat(error.line()).as(error.getMessage()).isEqualTo(c.line());
        assertThat(error.column()).as(error.getMessage()).isEqualTo(c.column());
        assertThat(error.key()).as(error.getMessage()).isEqualTo(c.key());
        assertThat(error.getMessage()).startsWith(error.file() + ":" + c.line() + ":" + c.column() + ": ")
                .contains(c.messagePart());
    }
}
