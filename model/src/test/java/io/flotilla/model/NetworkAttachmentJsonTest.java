package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkAttachmentJsonTest {
    @Test
    void readsBothTheOldNameOnlyFormAndTheNewObjectForm() throws Exception {
        TaskTemplate template = TaskTemplate.process(List.of("sleep", "1"))
                .withNetworks(List.of(new NetworkAttachment("shop_front", List.of("api")), new NetworkAttachment("shop_back")), null);
        String json = Json.write(template);
        assertThat(Json.read(json, TaskTemplate.class)).isEqualTo(template);

        String old = json.replaceFirst("\"networks\":\\[[^\\]]*\\]\\}?[^\\]]*\\]", "\"networks\":[\"shop_front\",\"shop_back\"]");
        assertThat(old).contains("\"networks\":[\"shop_front\",\"shop_back\"]");
        assertThat(Json.read(old, TaskTemplate.class).networks())
                .containsExactly(new NetworkAttachment("shop_front"), new NetworkAttachment("shop_back"));
    }

    @Test
    void networkModeAndNetworksExcludeEachOther() {
        TaskTemplate template = TaskTemplate.process(List.of("true"));
        assertThat(template.withNetworks(List.of(), TaskTemplate.HOST_NETWORK).networkMode()).isEqualTo("host");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> template.withNetworks(List.of(new NetworkAttachment("n")), "host"))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> template.withNetworks(List.of(), "bridge"))
                .hasMessageContaining("host or none");
    }
}
