package io.flotilla.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class SourcePrefixTest {
    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void aPrefixHoldsTheAddressesUnderItOfItsFamily() throws UnknownHostException {
        SourcePrefix net = SourcePrefix.parse("10.1.2.3/16");
        assertThat(net).isEqualTo(SourcePrefix.parse("10.1.0.0/16"));
        assertThat(net.contains(ip("10.1.255.7"))).isTrue();
        assertThat(net.contains(ip("10.2.0.1"))).isFalse();
        assertThat(SourcePrefix.parse("10.0.0.0/9").contains(ip("10.127.0.1"))).isTrue();
        assertThat(SourcePrefix.parse("10.0.0.0/9").contains(ip("10.128.0.1"))).isFalse();
        assertThat(SourcePrefix.parse("192.0.2.7").contains(ip("192.0.2.7"))).isTrue();
        assertThat(SourcePrefix.parse("192.0.2.7").contains(ip("192.0.2.8"))).isFalse();
        assertThat(SourcePrefix.parse("fd00::/8").contains(ip("fd12::1"))).isTrue();
        assertThat(SourcePrefix.parse("0.0.0.0/0").contains(ip("::1"))).as("IPv4 prefix, IPv6 client").isFalse();
    }

    @Test
    void loopbackIsTheDefaultAndAnyoneMustBeSaid() throws UnknownHostException {
        assertThat(SourcePrefix.LOOPBACK).anyMatch(p -> p.contains(ip("127.9.9.9")));
        assertThat(SourcePrefix.LOOPBACK).anyMatch(p -> p.contains(ip("::1")));
        assertThat(SourcePrefix.LOOPBACK).noneMatch(p -> p.contains(ip("192.0.2.1")));
        assertThat(SourcePrefix.ANYONE).anyMatch(p -> p.contains(ip("192.0.2.1")));
        assertThat(SourcePrefix.ANYONE).anyMatch(p -> p.contains(ip("2001:db8::1")));
    }

    @Test
    void namesAndBadLengthsAreRefused() {
        assertThatThrownBy(() -> SourcePrefix.parse("example.com/8")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SourcePrefix.parse("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SourcePrefix.parse("10.0.0.0/x")).isInstanceOf(IllegalArgumentException.class);
    }
}
