package io.flotilla.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.discovery.dns.OverlayNames.Kind;
import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NetworkDirectory.EndpointEntry;
import io.flotilla.model.api.NetworkDirectory.NetworkEntry;
import io.flotilla.model.api.NetworkDirectory.ServiceEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverlayNamesTest {
    // shop: web on front and back (VIPs .2 on each), api (dnsrr) on front only, db (stateful, dnsrr) on back only.
    // blog: its own network, a service also called web.
    static final NetworkEntry FRONT = new NetworkEntry("shop_front", "shop", 4096, "10.0.1.0/24", "10.0.1.1", false,
            "10.0.1.250",
            List.of(new ServiceEntry("shop_web", "web", "shop", List.of("www"), "10.0.1.2", false),
                    new ServiceEntry("shop_api", "api", "shop", List.of(), null, false)),
            List.of(new EndpointEntry("10.0.1.10", "t-web1", "shop_web", 1, "n1", "198.18.77.1", true),
                    new EndpointEntry("10.0.1.11", "t-web2", "shop_web", 2, "n2", "198.18.77.2", true),
                    new EndpointEntry("10.0.1.20", "t-api1", "shop_api", 1, "n1", "198.18.77.1", true),
                    new EndpointEntry("10.0.1.21", "t-api2", "shop_api", 2, "n3", "198.18.77.3", false)));
    static final NetworkEntry BACK = new NetworkEntry("shop_back", "shop", 4097, "10.0.2.0/24", "10.0.2.1", true,
            "10.0.2.250",
            List.of(new ServiceEntry("shop_web", "web", "shop", List.of(), "10.0.2.2", false),
                    new ServiceEntry("shop_db", "db", "shop", List.of("database"), null, true)),
            List.of(new EndpointEntry("10.0.2.10", "t-web1", "shop_web", 1, "n1", "198.18.77.1", true),
                    new EndpointEntry("10.0.2.11", "t-web2", "shop_web", 2, "n2", "198.18.77.2", true),
                    new EndpointEntry("10.0.2.30", "t-db1", "shop_db", 1, "n2", "198.18.77.2", true),
                    new EndpointEntry("10.0.2.31", "t-db2", "shop_db", 2, "n3", "198.18.77.3", true)));
    static final NetworkEntry BLOG = new NetworkEntry("blog_default", "blog", 4098, "10.0.3.0/24", "10.0.3.1", false,
            null, List.of(new ServiceEntry("blog_web", "web", "blog", List.of(), "10.0.3.2", false)),
            List.of(new EndpointEntry("10.0.3.10", "t-blog1", "blog_web", 1, "n1", "198.18.77.1", true)));

    final OverlayNames names = new OverlayNames(new NetworkDirectory(List.of(FRONT, BACK, BLOG)), "flotilla");

    @Test
    void aServiceAnswersItsVipOnTheAskersNetworkUnderEveryFormOfItsName() {
        String api = "10.0.1.20"; // on front only
        for (String name : List.of("web.shop.flotilla.", "WEB.shop.flotilla", "web", "shop_web", "www", "www.shop.flotilla.")) {
            assertThat(names.resolve(api, name)).as(name).isEqualTo(answer("10.0.1.2"));
        }
        String db = "10.0.2.30"; // on back only: web's VIP on back
        assertThat(names.resolve(db, "web.shop.flotilla.")).isEqualTo(answer("10.0.2.2"));
    }

    @Test
    void aVipServiceThatDeclaresNoPortAnswersItsVipNotItsTasks() {
        // the managers now give every vip-mode service its VIP (the mesh serves every port of it)
        NetworkEntry net = new NetworkEntry("app_default", "app", 4099, "10.0.5.0/24", "10.0.5.1", false, "10.0.5.250",
                List.of(new ServiceEntry("app_db", "db", "app", List.of(), "10.0.5.2", false, List.of()),
                        new ServiceEntry("app_web", "web", "app", List.of(), "10.0.5.3", false, List.of())),
                List.of(new EndpointEntry("10.0.5.10", "t-db1", "app_db", 1, "n1", "198.18.77.1", true),
                        new EndpointEntry("10.0.5.20", "t-web1", "app_web", 1, "n1", "198.18.77.1", true)));
        OverlayNames app = new OverlayNames(new NetworkDirectory(List.of(net)), "flotilla");
        assertThat(app.resolve("10.0.5.20", "db")).isEqualTo(answer("10.0.5.2"));
        assertThat(app.resolve("10.0.5.20", "tasks.db")).isEqualTo(answer("10.0.5.10"));
    }

    @Test
    void tasksAndDnsrrAnswerTheReadyTasksOnTheSharedNetwork() {
        String web = "10.0.1.10"; // on front and back
        assertThat(names.resolve(web, "tasks.web.shop.flotilla.")).isEqualTo(answer("10.0.1.10", "10.0.1.11", "10.0.2.10", "10.0.2.11"));
        assertThat(names.resolve(web, "api.shop.flotilla.")).as("dnsrr: only the ready task").isEqualTo(answer("10.0.1.20"));
        assertThat(names.resolve(web, "tasks.api")).isEqualTo(answer("10.0.1.20"));
        assertThat(names.resolve(web, "database")).isEqualTo(answer("10.0.2.30", "10.0.2.31"));
        assertThat(names.resolve(web, "db-2.db.shop.flotilla.")).as("a stateful slot's own name").isEqualTo(answer("10.0.2.31"));
    }

    @Test
    void aServiceOnNoSharedNetworkIsNxdomainAndSoIsAnotherStacks() {
        String api = "10.0.1.20"; // front only: db is on back only
        assertThat(names.resolve(api, "db.shop.flotilla.").kind()).isEqualTo(Kind.NXDOMAIN);
        assertThat(names.resolve(api, "db").kind()).isEqualTo(Kind.NXDOMAIN);
        assertThat(names.resolve(api, "tasks.db").kind()).isEqualTo(Kind.NXDOMAIN);
        assertThat(names.resolve(api, "web.blog.flotilla.").kind()).as("another stack's network").isEqualTo(Kind.NXDOMAIN);
        String blog = "10.0.3.10";
        assertThat(names.resolve(blog, "web")).as("its own stack's web").isEqualTo(answer("10.0.3.2"));
        assertThat(names.resolve(blog, "api.shop.flotilla.").kind()).isEqualTo(Kind.NXDOMAIN);
    }

    @Test
    void otherNamesAndUnknownAskersAreNotDecidedHere() {
        assertThat(names.resolve("10.0.1.20", "example.org.").kind()).isEqualTo(Kind.ELSEWHERE);
        assertThat(names.resolve("10.0.1.20", "nosuchthing").kind()).as("single label: nobody upstream knows it")
                .isEqualTo(Kind.NXDOMAIN);
        assertThat(names.resolve("127.0.0.1", "web.shop.flotilla.").kind()).as("not a task's address")
                .isEqualTo(Kind.ELSEWHERE);
        assertThat(names.resolve("10.0.1.21", "web").kind()).as("a task not ready yet still asks by its address")
                .isEqualTo(Kind.ANSWER);
    }

    @Test
    void aBareNameTwoStacksShareAnswersTheAskersOwnStack() {
        NetworkEntry shared = new NetworkEntry("public", null, 4099, "10.0.9.0/24", "10.0.9.1", false, null,
                List.of(new ServiceEntry("shop_web", "web", "shop", List.of(), "10.0.9.2", false),
                        new ServiceEntry("blog_web", "web", "blog", List.of(), "10.0.9.3", false)),
                List.of(new EndpointEntry("10.0.9.10", "t1", "shop_web", 1, "n1", "198.18.77.1", true),
                        new EndpointEntry("10.0.9.11", "t2", "blog_web", 1, "n1", "198.18.77.1", true)));
        OverlayNames onShared = new OverlayNames(new NetworkDirectory(List.of(shared)), "flotilla");
        assertThat(onShared.resolve("10.0.9.10", "web")).isEqualTo(answer("10.0.9.2"));
        assertThat(onShared.resolve("10.0.9.11", "web")).isEqualTo(answer("10.0.9.3"));
        assertThat(onShared.resolve("10.0.9.11", "web.shop.flotilla.")).isEqualTo(answer("10.0.9.2"));
    }

    private static OverlayNames.Result answer(String... addresses) {
        return new OverlayNames.Result(Kind.ANSWER, List.of(addresses));
    }
}
