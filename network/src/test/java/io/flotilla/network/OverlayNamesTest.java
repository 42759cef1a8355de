package io.flotilla.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OverlayNamesTest {

    @ParameterizedTest
    @CsvSource({
            "10.0.0.5, 02:42:0a:00:00:05",
            "192.168.255.1, 02:42:c0:a8:ff:01",
            "0.0.0.0, 02:42:00:00:00:00",
            "255.255.255.255, 02:42:ff:ff:ff:ff"})
    void an_endpoints_mac_is_02_42_and_its_address(String address, String mac) {
        assertThat(OverlayNames.mac(address)).isEqualTo(mac);
    }

    @Test
    void a_mac_needs_an_ipv4_address() {
        assertThatThrownBy(() -> OverlayNames.mac("10.0.0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OverlayNames.mac("10.0.0.256")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void device_names_fit_the_kernels_limit_for_every_vni() {
        assertThat(OverlayNames.bridge(4096)).isEqualTo("fl-br-4096");
        assertThat(OverlayNames.vxlan(4096)).isEqualTo("fl-vx-4096");
        assertThat(OverlayNames.bridge(NetworkPlan.MAX_VNI)).hasSizeLessThanOrEqualTo(OverlayNames.MAX_INTERFACE_NAME);
        assertThat(OverlayNames.vxlan(NetworkPlan.MAX_VNI)).hasSizeLessThanOrEqualTo(OverlayNames.MAX_INTERFACE_NAME);
        assertThatThrownBy(() -> OverlayNames.bridge(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OverlayNames.bridge(NetworkPlan.MAX_VNI + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_host_veth_name_is_stable_short_and_never_an_overlay_device_name() {
        String name = OverlayNames.hostVeth("flt-1-web.1", 4096);
        assertThat(name).hasSize(OverlayNames.MAX_INTERFACE_NAME).startsWith("fl-").matches("fl-[0-9a-f]{12}");
        assertThat(OverlayNames.hostVeth("flt-1-web.1", 4096)).isEqualTo(name);
        assertThat(OverlayNames.hostVeth("flt-1-web.1", 4097)).isNotEqualTo(name);
        assertThat(OverlayNames.hostVeth("flt-1-web.2", 4096)).isNotEqualTo(name);
        assertThat(OverlayNames.overlayDeviceVni(name)).isEmpty();
    }

    @Test
    void only_fl_br_and_fl_vx_with_a_vni_are_overlay_devices() {
        assertThat(OverlayNames.overlayDeviceVni("fl-br-7")).hasValue(7);
        assertThat(OverlayNames.overlayDeviceVni("fl-vx-16777215")).hasValue(16777215);
        assertThat(OverlayNames.isBridge("fl-br-7")).isTrue();
        assertThat(OverlayNames.isVxlan("fl-br-7")).isFalse();
        assertThat(OverlayNames.isVxlan("fl-vx-7")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fl-underlay", "fl-uh1", "fl-br-07", "fl-br-", "fl-br-x", "fl-vx-16777216", "fl-br-7a",
            "eth0", "docker0", "br-fl-br-7", "fl-0123456789ab", "fl-br-123456789"})
    void every_other_device_is_not(String name) {
        assertThat(OverlayNames.overlayDeviceVni(name)).isEmpty();
        assertThat(OverlayNames.isBridge(name) || OverlayNames.isVxlan(name)).isFalse();
    }
}
