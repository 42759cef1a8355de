package io.flotilla.compose;

/**
 * IPv4 addresses and subnets as a stack file writes them ({@code ipam.config[].subnet} and
 * {@code gateway}), checked here where the file's line is known rather than at deploy.
 */
final class Ipv4 {
    private Ipv4() {}

    /** A subnet: its first address and prefix length. */
    record Subnet(int base, int prefix) {
        long size() {
            return 1L << (32 - prefix);
        }

        boolean contains(int address) {
            return prefix == 0 || (address >>> (32 - prefix)) == (base >>> (32 - prefix));
        }

        /** The subnet's own address or its broadcast address: never a host's. */
        boolean isReserved(int address) {
            return address == base || address == (int) (base + size() - 1);
        }

        @Override
        public String toString() {
            return format(base) + "/" + prefix;
        }
    }

    /** {@code a.b.c.d} as an int; null when it is not a dotted-quad IPv4 address. */
    static Integer address(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        int value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)
                    || (part.length() > 1 && part.charAt(0) == '0')) {
                return null;
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                return null;
            }
            value = (value << 8) | octet;
        }
        return value;
    }

    /**
     * {@code a.b.c.d/n}; null when it is not IPv4 CIDR. Host bits must be zero (a subnet is named
     * by its first address): see {@link #problem}.
     */
    static Subnet subnet(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return null;
        }
        Integer base = address(text.substring(0, slash));
        String prefixText = text.substring(slash + 1);
        if (base == null || prefixText.isEmpty() || prefixText.length() > 2
                || !prefixText.chars().allMatch(Character::isDigit)) {
            return null;
        }
        int prefix = Integer.parseInt(prefixText);
        return prefix > 32 ? null : new Subnet(base, prefix);
    }

    /** What is wrong with {@code text} as a network's subnet, or null when it is fine. */
    static String problem(String text) {
        Subnet subnet = subnet(text);
        if (subnet == null) {
            return "must be an IPv4 subnet in CIDR notation such as 10.10.0.0/24, not \"" + text + "\"";
        }
        if (subnet.prefix() > 29) {
            return "subnet " + text + " is too small: a network needs at least a /29 (a gateway and its tasks)";
        }
        int mask = subnet.prefix() == 0 ? 0 : -1 << (32 - subnet.prefix());
        if ((subnet.base() & mask) != subnet.base()) {
            return "subnet " + text + " has host bits set; did you mean "
                    + format(subnet.base() & mask) + "/" + subnet.prefix() + "?";
        }
        return null;
    }

    static String format(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "." + (address & 0xff);
    }
}
