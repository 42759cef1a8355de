package io.flotilla.discovery.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * An address prefix (CIDR), for the clients a node's DNS server forwards outside names for. The
 * address is kept in its network form (host bits cleared) so two spellings of one prefix are
 * equal. An IPv4 prefix never matches an IPv6 address and the other way round: Java already
 * shows an IPv4-mapped client as IPv4, and "::/0" has to be said to mean every IPv6 client.
 */
public record SourcePrefix(byte[] network, int length) {
    /** 127.0.0.0/8 and ::1: what a DNS server forwards for when told nothing else. */
    public static final List<SourcePrefix> LOOPBACK = List.of(parse("127.0.0.0/8"), parse("::1/128"));
    /** Every client, IPv4 and IPv6: an explicit opt-in to being an open resolver. */
    public static final List<SourcePrefix> ANYONE = List.of(parse("0.0.0.0/0"), parse("::/0"));

    public SourcePrefix {
        if (network == null || (network.length != 4 && network.length != 16)) {
            throw new IllegalArgumentException("a prefix needs a 4- or 16-byte address");
        }
        if (length < 0 || length > network.length * 8) {
            throw new IllegalArgumentException("prefix length " + length + " out of 0.." + network.length * 8);
        }
        network = mask(network.clone(), length);
    }

    /** {@code 10.0.0.0/8}, {@code fd00::/8}, or a single address ({@code 192.0.2.7}: /32, /128). */
    public static SourcePrefix parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String host = slash < 0 ? s : s.substring(0, slash);
        if (host.isEmpty() || !host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
            // only literals: a host name here would make a DNS lookup while reading the config
            throw new IllegalArgumentException("not an address prefix: '" + text + "'");
        }
        byte[] address;
        try {
            address = InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address prefix: '" + text + "'");
        }
        int length;
        try {
            length = slash < 0 ? address.length * 8 : Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an address prefix: '" + text + "'");
        }
        return new SourcePrefix(address, length);
    }

    /** The prefix holding exactly {@code address}. */
    public static SourcePrefix of(InetAddress address) {
        return new SourcePrefix(address.getAddress(), address.getAddress().length * 8);
    }

    public boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        return candidate.length == network.length && java.util.Arrays.equals(mask(candidate, length), network);
    }

    private static byte[] mask(byte[] address, int length) {
        for (int i = 0; i < address.length; i++) {
            int keep = Math.max(0, Math.min(8, length - i * 8));
            address[i] &= (byte) (0xff << (8 - keep));
        }
        return address;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SourcePrefix p && p.length == length && java.util.Arrays.equals(p.network, network);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(network) * 31 + length;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + length;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] network() {
        return network.clone();
    }
}
