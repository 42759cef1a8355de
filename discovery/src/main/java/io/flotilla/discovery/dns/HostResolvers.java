package io.flotilla.discovery.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The host's resolvers ({@code nameserver} lines of /etc/resolv.conf), without a given server itself. */
public final class HostResolvers {
    private HostResolvers() {}

    public static List<InetSocketAddress> read(InetSocketAddress self) {
        return read(Path.of("/etc/resolv.conf"), self);
    }

    static List<InetSocketAddress> read(Path file, InetSocketAddress self) {
        List<InetSocketAddress> result = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            return result;
        }
        for (String line : lines) {
            String[] words = line.strip().split("\\s+");
            if (words.length < 2 || !words[0].equals("nameserver")) {
                continue;
            }
            try {
                InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(words[1]), DnsConfig.DEFAULT_PORT);
                if (!isSelf(server, self)) {
                    result.add(server);
                }
            } catch (IOException e) {
                // not an address: skip
            }
        }
        return result;
    }

    /** Forwarding to ourselves would loop: same port, and the same address or we listen on all. */
    static boolean isSelf(InetSocketAddress server, InetSocketAddress self) {
        if (self == null || server.getPort() != self.getPort()) {
            return false;
        }
        InetAddress ours = self.getAddress();
        return ours == null || ours.isAnyLocalAddress() || ours.equals(server.getAddress())
                || (ours.isLoopbackAddress() && server.getAddress().isLoopbackAddress());
    }
}
