package io.flotilla.network;

/**
 * An IPv4 subnet: its network address and prefix length. Only the canonical form is accepted
 * ({@code 10.0.1.0/24}, not {@code 10.0.1.7/24}): it is what {@code iptables -S} prints back, so
 * the rules built from it compare equal to the ones read from the kernel.
 */
record Cidr(int network, int prefixLength) {
    Cidr {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length out of range: " + prefixLength);
        }
        if ((network & ~mask(prefixLength)) != 0) {
            throw new IllegalArgumentException("not a network address: " + Ipv4.format(network) + "/" + prefixLength
                    + " (its network is " + Ipv4.format(network & mask(prefixLength)) + "/" + prefixLength + ")");
        }
    }

    static Cidr parse(String cidr) {
        if (cidr == null) {
            throw new IllegalArgumentException("a subnet (CIDR) is required");
        }
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not a CIDR subnet: '" + cidr + "'");
        }
        String length = cidr.substring(slash + 1);
        if (length.isEmpty() || length.length() > 2 || !length.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("not a CIDR subnet: '" + cidr + "'");
        }
        return new Cidr(Ipv4.parse(cidr.substring(0, slash)), Integer.parseInt(length));
    }

    boolean contains(int address) {
        return (address & mask(prefixLength)) == network;
    }

    boolean contains(String address) {
        return contains(Ipv4.parse(address));
    }

    boolean overlaps(Cidr other) {
        int shorter = Math.min(prefixLength, other.prefixLength);
        return (network & mask(shorter)) == (other.network & mask(shorter));
    }

    private static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    @Override
    public String toString() {
        return Ipv4.format(network) + "/" + prefixLength;
    }
}
