package io.flotilla.cli.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** .dockerignore as the Docker CLI reads it (moby's patternmatcher cases). */
class DockerIgnoreTest {
    @Test
    void patternsMatchPathsAndEverythingUnderAMatchedDirectory() {
        DockerIgnore ignore = DockerIgnore.parse(List.of("# comment", "", "node_modules", "*.log", "/build/",
                "**/secret.txt", "docs/*.md", "!docs/README.md", "tmp?"));

        assertThat(ignore.ignored("node_modules")).isTrue();
        assertThat(ignore.ignored("node_modules/a/b.js")).isTrue();
        assertThat(ignore.ignored("app.log")).isTrue();
        assertThat(ignore.ignored("logs/app.log")).as("* stays in one path element").isFalse();
        assertThat(ignore.ignored("build/out.bin")).isTrue();
        assertThat(ignore.ignored("secret.txt")).isTrue();
        assertThat(ignore.ignored("a/b/secret.txt")).isTrue();
        assertThat(ignore.ignored("docs/guide.md")).isTrue();
        assertThat(ignore.ignored("docs/README.md")).as("! re-includes; the last match wins").isFalse();
        assertThat(ignore.ignored("tmp1")).isTrue();
        assertThat(ignore.ignored("tmp12")).isFalse();
        assertThat(ignore.ignored("src/main.c")).isFalse();
        assertThat(ignore.hasExclusions()).isTrue();
    }

    @Test
    void theLastMatchingLineWins() {
        assertThat(DockerIgnore.parse(List.of("!a.txt", "*.txt")).ignored("a.txt")).isTrue();
        assertThat(DockerIgnore.parse(List.of("*.txt", "!a.txt")).ignored("a.txt")).isFalse();
        assertThat(DockerIgnore.parse(List.of("**")).ignored("x/y")).isTrue();
    }
}
