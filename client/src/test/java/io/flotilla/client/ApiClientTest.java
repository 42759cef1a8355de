package io.flotilla.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The API client's own logic, without a cluster. */
class ApiClientTest {
    @ParameterizedTest
    @CsvSource({"host1, host1:4780", "host1:99, host1:99", "http://h:1/, h:1", "'[::1]:5', '[::1]:5'"})
    void hostsGetTheDefaultPort(String given, String expected) {
        assertThat(ApiClient.withDefaultPort(given)).isEqualTo(expected);
    }
}
