package io.flotilla.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.discovery.EndpointRegistry;
import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NetworkDirectory.EndpointEntry;
import io.flotilla.model.api.NetworkDirectory.NetworkEntry;
import io.flotilla.model.api.NetworkDirectory.ServiceEntry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real server asked with dig from chosen source addresses: loopback addresses stand for two
 * tasks' overlay addresses (127.0.0.77 of stack shop, 127.0.0.78 of stack blog), each on its own
 * network. Each sees its own services only, over UDP and TCP; a new directory is answered at once.
 */
class DnsOverlayTest {
    static final String SHOP_TASK = "127.0.0.77";
    static final String BLOG_TASK = "127.0.0.78";

    final AtomicReference<OverlayNames> names = new AtomicReference<>();
    DnsServer server;
    int port;

    @BeforeEach
    void start() throws Exception {
        names.set(new OverlayNames(directory("10.0.1.2"), "flotilla"));
        server = DnsServer.start(DnsConfig.of(new InetSocketAddress("127.0.0.1", 0)), new EndpointRegistry(),
                InstantSource.system(), names::get);
        port = server.address().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void eachTaskResolvesOnlyTheServicesOfItsOwnNetworks() throws Exception {
        assertThat(dig(SHOP_TASK, "+short", "web.shop.flotilla")).containsExactly("10.0.1.2");
        assertThat(dig(SHOP_TASK, "+short", "+tcp", "tasks.web.shop.flotilla")).containsExactlyInAnyOrder("127.0.0.77", "10.0.1.11");
        String fromBlog = String.join("\n", dig(BLOG_TASK, "web.shop.flotilla", "A"));
        assertThat(fromBlog).contains("status: NXDOMAIN").contains("SOA");
        assertThat(dig(BLOG_TASK, "+short", "web.blog.flotilla")).containsExactly("10.0.3.2");
        assertThat(String.join("\n", dig(SHOP_TASK, "web.shop.flotilla", "AAAA"))).contains("status: NOERROR")
                .contains("ANSWER: 0");
        assertThat(String.join("\n", dig(SHOP_TASK, "web.shop.flotilla", "A"))).contains("IN\tA\t10.0.1.2")
                .containsPattern("web\\.shop\\.flotilla\\.\\s+0\\s+IN\\s+A"); // TTL 0: names follow moves
    }

    @Test
    void aNewDirectoryIsAnsweredAtOnce() throws Exception {
        assertThat(dig(SHOP_TASK, "+short", "web.shop.flotilla")).containsExactly("10.0.1.2");
        names.set(new OverlayNames(directory("10.0.1.3"), "flotilla"));
        assertThat(dig(SHOP_TASK, "+short", "web.shop.flotilla")).containsExactly("10.0.1.3");
    }

    @Test
    void anAskerThatIsNoTaskGetsTheUsualAnswers() throws Exception {
        // not a task's address: the registry path (empty here: NXDOMAIN from the responder, no overlay answer)
        assertThat(String.join("\n", dig("127.0.0.1", "web.shop.flotilla", "A"))).contains("status: NXDOMAIN");
        assertThat(dig("127.0.0.1", "+short", "web.blog.flotilla")).isEmpty();
    }

    static NetworkDirectory directory(String webVip) {
        NetworkEntry shop = new NetworkEntry("shop_default", "shop", 4096, "10.0.1.0/24", "10.0.1.1", false, null,
                List.of(new ServiceEntry("shop_web", "web", "shop", List.of(), webVip, false)),
                List.of(new EndpointEntry(SHOP_TASK, "t1", "shop_web", 1, "n1", "198.18.77.1", true),
                        new EndpointEntry("10.0.1.11", "t2", "shop_web", 2, "n2", "198.18.77.2", true)));
        NetworkEntry blog = new NetworkEntry("blog_default", "blog", 4097, "10.0.3.0/24", "10.0.3.1", false, null,
                List.of(new ServiceEntry("blog_web", "web", "blog", List.of(), "10.0.3.2", false)),
                List.of(new EndpointEntry(BLOG_TASK, "t3", "blog_web", 1, "n1", "198.18.77.1", true)));
        return new NetworkDirectory(List.of(shop, blog));
    }

    private List<String> dig(String source, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("dig", "@127.0.0.1", "-p", Integer.toString(port), "-b", source,
                "+time=2", "+tries=1"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return out.lines().filter(line -> !line.isBlank()).toList();
    }
}
