package io.flotilla.network;

/**
 * IPv4 addresses as the 32-bit numbers the kernel tables hold. The plan's addresses are strings
 * (as the cluster state keeps them); this checks and converts them, so that every command line
 * and every comparison with what {@code ip} prints uses one canonical dotted form.
 */
final class Ipv4 {
    private Ipv4() {}

    /** The address as an unsigned 32-bit number; a clear error for anything but a dotted quad. */
    static int parse(String address) {
        if (address == null) {
            throw new IllegalArgumentException("an IPv4 address is required");
        }
        String[] parts = address.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + address + "'");
        }
        int value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("not an IPv4 address: '" + address + "'");
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: '" + address + "'");
            }
            value = (value << 8) | octet;
        }
        return value;
    }

    static String format(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "." + (address & 0xff);
    }

    /** The canonical form of an address ("010.0.0.1" is refused, not rewritten). */
    static String canonical(String address) {
        String canonical = format(parse(address));
        if (!canonical.equals(address)) {
            throw new IllegalArgumentException("not a canonical IPv4 address: '" + address + "' (" + canonical + ")");
        }
        return canonical;
    }
}
