package io.flotilla.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Host and path matching as a table. */
class HttpRouterTest {
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private static final HttpRouter router = new HttpRouter(List.of(
            route("exact_root", "shop.example.com", "/"),
            route("exact_api", "shop.example.com", "/api"),
            route("wild", "*.example.com", "/"),
            route("wild_deep", "*.eu.example.com", "/"),
            route("any_static", null, "/static/"),
            route("any_root", null, "/")));

    private static RouteState route(String service, String host, String path) {
        var counter = registry.counter("c");
        return new RouteState(new MeshRoute(service, host, path, null, List.of()), List.of(), new RouteState.ServiceMeters(counter, counter, counter, counter));
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "shop.example.com, /api/x, exact_api",
            "SHOP.example.com:8443, /api, exact_api",
            "shop.example.com, /apix, exact_root",
            "shop.example.com., /, exact_root",
            "a.example.com, /api, wild",
            "x.eu.example.com, /, wild_deep",
            "example.com, /, any_root",
            "other.test, /static/app.js, any_static",
            "[::1]:80, /, any_root",
            "'', /x, any_root",
    })
    void matches(String host, String path, String service) {
        assertThat(router.match(host, path).service()).isEqualTo(service);
    }

    @ParameterizedTest
    @CsvSource({"/a?b=c, /a", "/a#f, /a", "http://h:1/p/q?x, /p/q", "http://h, /", "/, /"})
    void pathOf(String uri, String path) {
        assertThat(HttpRouter.pathOf(uri)).isEqualTo(path);
    }
}
