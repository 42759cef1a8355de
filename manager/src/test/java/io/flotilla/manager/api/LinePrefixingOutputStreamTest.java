package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LinePrefixingOutputStreamTest {
    @Test
    void prefixesEveryLineAcrossWritesAndEndsTheLastOne() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (LinePrefixingOutputStream out = new LinePrefixingOutputStream(sink, "web.1 | ")) {
            out.write("first\nsec".getBytes(StandardCharsets.UTF_8));
            out.write("ond\n".getBytes(StandardCharsets.UTF_8));
            out.write('t');
            out.write("hird".getBytes(StandardCharsets.UTF_8));
        }

        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("web.1 | first\nweb.1 | second\nweb.1 | third\n");
    }
}
