package io.flotilla.node.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NetworkDirectory.EndpointEntry;
import io.flotilla.model.api.NetworkDirectory.NetworkEntry;
import io.flotilla.model.api.NetworkDirectory.ServiceEntry;
import io.flotilla.network.CommandFailedException;
import io.flotilla.network.Commands;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * {@link NodeNetworks} in this process, without root: a kernel that only records the commands it
 * is given ({@link FakeKernel}), and the gateways' DNS servers on loopback addresses (any
 * 127.0.0.0/8 address binds on Linux), asked from a task's address as a task's resolver asks. The
 * real kernel and {@code dig} inside task namespaces: {@link NodeNetworksKernelTest}.
 */
class NodeNetworksTest {
    static final String FRONT_GATEWAY = "127.0.77.1";
    static final String VIP = "127.0.77.2";
    static final String CLI_TASK = "127.0.77.11";
    static final String OTHER_GATEWAY = "127.0.78.1";
    static final String DB_TASK = "127.0.78.11";

    private final List<NodeNetworks> started = new ArrayList<>();

    @AfterEach
    void close() {
        started.forEach(NodeNetworks::close);
    }

    static NetworkDirectory directory(String webTask) {
        NetworkEntry front = new NetworkEntry("shop_front", "shop", 4200, "127.0.77.0/24", FRONT_GATEWAY, false, "127.0.77.101",
                List.of(new ServiceEntry("shop_web", "web", "shop", List.of(), VIP, false, List.of(8080)),
                        new ServiceEntry("shop_api", "api", "shop", List.of(), null, false, List.of()),
                        new ServiceEntry("shop_cli", "cli", "shop", List.of(), null, false, List.of())),
                List.of(new EndpointEntry(CLI_TASK, "t-cli", "shop_cli", 1, "n1", "198.18.77.1", true),
                        new EndpointEntry(webTask, "t-api", "shop_api", 1, "n2", "198.18.77.2", true)));
        NetworkEntry other = new NetworkEntry("other_default", "other", 4201, "127.0.78.0/24", OTHER_GATEWAY, true,
                "127.0.78.101", List.of(new ServiceEntry("other_db", "db", "other", List.of(), null, false, List.of())),
                List.of(new EndpointEntry(DB_TASK, "t-db", "other_db", 1, "n1", "198.18.77.1", true)));
        return new NetworkDirectory(List.of(front, other));
    }

    NodeNetworks start(FakeKernel kernel) {
        NodeNetworks networks = NodeNetworks.start(new NodeNetworks.Options("n1", "198.18.77.1", "flotilla", 0, List.of()),
                kernel);
        started.add(networks);
        return networks;
    }

    static Message ask(InetSocketAddress server, String from, String name) throws Exception {
        SimpleResolver resolver = new SimpleResolver(server);
        resolver.setLocalAddress(new InetSocketAddress(from, 0));
        resolver.setTimeout(Duration.ofSeconds(2));
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.A, DClass.IN)));
    }

    static List<String> addresses(Message answer) {
        return answer.getSection(Section.ANSWER).stream().map(record -> record.rdataToString()).toList();
    }

    @Test
    void the_gateways_dns_servers_count_their_answers_in_the_nodes_dns_meters() throws Exception {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        NodeNetworks networks = NodeNetworks.start(new NodeNetworks.Options("n1", "198.18.77.1", "flotilla", 0, List.of()),
                new FakeKernel(), new io.flotilla.discovery.dns.DnsMetrics(registry));
        started.add(networks);
        networks.apply(directory("127.0.77.13"));
        await().atMost(Duration.ofSeconds(5)).until(() -> networks.dnsAddress("shop_front") != null);
        ask(networks.dnsAddress("shop_front"), CLI_TASK, "web.shop.flotilla");
        ask(networks.dnsAddress("shop_front"), CLI_TASK, "nothing.shop.flotilla");
        assertThat(registry.get("flotilla.dns.queries").tag("rcode", "noerror").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("flotilla.dns.queries").tag("rcode", "nxdomain").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("flotilla.dns.query").timer().count()).isEqualTo(2);
    }

    @Test
    void each_gateway_answers_its_networks_names_to_their_tasks_and_follows_the_directory() throws Exception {
        NodeNetworks networks = start(new FakeKernel());
        networks.apply(directory("127.0.77.13"));
        await().atMost(Duration.ofSeconds(5)).until(() -> networks.dnsAddress("other_default") != null);
        InetSocketAddress front = networks.dnsAddress("shop_front");
        assertThat(front.getAddress().getHostAddress()).isEqualTo(FRONT_GATEWAY);

        assertThat(addresses(ask(front, CLI_TASK, "web.shop.flotilla"))).containsExactly(VIP);
        assertThat(addresses(ask(front, CLI_TASK, "api.shop.flotilla"))).containsExactly("127.0.77.13");
        Message isolated = ask(networks.dnsAddress("other_default"), DB_TASK, "web.shop.flotilla");
        assertThat(isolated.getRcode()).as("another network's task").isEqualTo(Rcode.NXDOMAIN);
        assertThat(ask(front, "127.0.0.1", "web.shop.flotilla").getRcode()).as("not a task: no cluster names here")
                .isEqualTo(Rcode.NXDOMAIN);
        assertThat(ask(networks.dnsAddress("other_default"), DB_TASK, "example.org").getRcode())
                .as("an internal network's task: nothing forwarded").isEqualTo(Rcode.REFUSED);

        networks.apply(directory("127.0.77.14"));
        await().atMost(Duration.ofSeconds(5)).until(() -> addresses(ask(front, CLI_TASK, "api.shop.flotilla")),
                answer -> answer.equals(List.of("127.0.77.14")));

        networks.apply(new NetworkDirectory(List.of(directory("127.0.77.14").networks().getFirst())));
        await().atMost(Duration.ofSeconds(5)).until(() -> networks.dnsAddress("other_default") == null);
        assertThat(networks.dnsAddress("shop_front")).as("the same server goes on").isEqualTo(front);
    }

    @Test
    void the_data_plane_gets_the_directorys_plan_and_a_burst_of_directories_is_one_or_two_passes() {
        FakeKernel kernel = new FakeKernel().slowReads(50);
        NodeNetworks networks = start(kernel);
        NetworkDirectory last = null;
        for (int task = 20; task < 60; task++) {
            last = directory("127.0.77." + task);
            networks.apply(last);
        }
        NetworkDirectory expected = last;
        await().atMost(Duration.ofSeconds(5)).until(() -> networks.applied().equals(expected));
        assertThat(kernel.passes()).as("passes for 40 directories in a burst").isBetween(1, 3);
        assertThat(kernel.lines()).contains("ip link add fl-br-4200 mtu 1450 address 02:42:7f:00:4d:65 type bridge",
                "ip neigh replace 127.0.77.59 lladdr 02:42:7f:00:4d:3b dev fl-vx-4200 nud permanent");
    }

    @Test
    void a_failing_pass_is_tried_again_and_names_follow_meanwhile() throws Exception {
        FakeKernel kernel = new FakeKernel().failWrites(1);
        NodeNetworks networks = start(kernel);
        networks.apply(directory("127.0.77.13"));
        await().atMost(Duration.ofSeconds(5)).until(() -> networks.applied().networks().size() == 2);
        assertThat(addresses(ask(networks.dnsAddress("shop_front"), CLI_TASK, "api.shop.flotilla"))).containsExactly("127.0.77.13");
        int afterFailure = kernel.passes();
        await().atMost(NodeNetworks.RETRY.plusSeconds(3)).until(() -> kernel.passes() > afterFailure);
        assertThat(kernel.lines()).contains("ip link add fl-br-4200 mtu 1450 address 02:42:7f:00:4d:65 type bridge");
    }

    /** A kernel that holds nothing and records what it is told; reads may be slow, writes may fail. */
    static final class FakeKernel implements Commands {
        private final List<String> lines = new ArrayList<>();
        private final AtomicInteger passes = new AtomicInteger();
        private int readMillis;
        private int failWrites;

        FakeKernel slowReads(int millis) {
            readMillis = millis;
            return this;
        }

        FakeKernel failWrites(int count) {
            failWrites = count;
            return this;
        }

        int passes() {
            return passes.get();
        }

        synchronized List<String> lines() {
            return List.copyOf(lines);
        }

        @Override
        public String run(List<String> argv) {
            String line = String.join(" ", argv);
            boolean read = line.startsWith("ip -d -j addr") || line.startsWith("bridge -j fdb") || line.startsWith("ip -j")
                    || line.startsWith("iptables -w -S") || line.startsWith("iptables -w -t nat -S") || line.startsWith("sysctl -n");
            if (line.startsWith("ip -d -j addr")) {
                passes.incrementAndGet();
                sleep(readMillis);
            }
            synchronized (this) {
                lines.add(line);
                if (!read && failWrites > 0) {
                    failWrites--;
                    throw new CommandFailedException(argv, 2, "RTNETLINK answers: Operation not permitted");
                }
            }
            return "";
        }

        private static void sleep(int millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
