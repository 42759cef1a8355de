package io.flotilla.state;

/**
 * IPv4 addresses and subnets as numbers, for the networks' allocations ({@link NetworkAddresses}).
 * An address is a {@code long} in [0, 2^32): no sign to trip over when a subnet crosses 128.0.0.0.
 */
final class Ipv4 {
    private Ipv4() {}

    /** A subnet: {@code base} (host bits zero) and prefix length. */
    record Cidr(long base, int prefix) {
        Cidr {
            if (prefix < 0 || prefix > 32) {
                throw new IllegalArgumentException("prefix length must be 0 to 32, not " + prefix);
            }
            if ((base & ~mask(prefix)) != 0) {
                throw new IllegalArgumentException(format(base) + "/" + prefix + " has host bits set (the subnet is "
                        + format(base & mask(prefix)) + "/" + prefix + ")");
            }
        }

        long size() {
            return 1L << (32 - prefix);
        }

        long last() {
            return base + size() - 1;
        }

        boolean contains(long address) {
            return address >= base && address <= last();
        }

        boolean overlaps(Cidr other) {
            return base <= other.last() && other.base <= last();
        }

        /** The first address after the network address: the default gateway. */
        long firstHost() {
            return base + 1;
        }

        /** True for an address a holder may take: in the subnet, neither its network nor its broadcast address. */
        boolean isHost(long address) {
            return address > base && address < last();
        }

        @Override
        public String toString() {
            return format(base) + "/" + prefix;
        }
    }

    static long mask(int prefix) {
        return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    }

    /** {@code a.b.c.d/n}, strictly (no host bits, decimal octets). */
    static Cidr parseCidr(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no subnet");
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("subnet " + text + " is not in CIDR form (a.b.c.d/n)");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("subnet " + text + " has an invalid prefix length");
        }
        return new Cidr(parse(text.substring(0, slash)), prefix);
    }

    /** A dotted IPv4 address. */
    static long parse(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException(text + " is not an IPv4 address");
        }
        long value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException(text + " is not an IPv4 address");
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException(text + " is not an IPv4 address");
            }
            value = value << 8 | octet;
        }
        return value;
    }

    static String format(long address) {
        return (address >>> 24 & 0xFF) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "."
                + (address & 0xFF);
    }
}
