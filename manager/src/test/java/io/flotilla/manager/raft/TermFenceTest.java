package io.flotilla.manager.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.Command;
import io.flotilla.model.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** The term a leader's decision carries in its JSON, found by the leader it reaches. */
class TermFenceTest {
    private static final Command VERDICT = new Command.SetNodeStates(List.of(
            new Command.NodeStateChange("n1", io.flotilla.model.NodeState.DOWN, "no heartbeat for 1600 ms")), null);

    private static byte[] json(Command command) {
        try {
            return Json.MAPPER.writerFor(Command.class).writeValueAsBytes(command); // as CommandProposer writes it
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    @Property
    void theTermAttachedIsTheTermFound(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long term) {
        assertThat(TermFence.of(ByteString.copyFrom(TermFence.attach(json(VERDICT), term)))).isEqualTo(term);
    }

    @Test
    void aFencedCommandReadsAsTheSameCommandOnEveryManager() {
        byte[] fenced = TermFence.attach(json(VERDICT), 59);

        assertThat(new String(fenced, StandardCharsets.UTF_8)).endsWith(",\"decidedInTerm\":59}");
        assertThat(LogEntries.decode(fenced, null)).as("a property the command does not have is ignored").isEqualTo(VERDICT);
    }

    @Test
    void anUnfencedCommandHasNoTerm() {
        assertThat(TermFence.of(ByteString.copyFrom(json(VERDICT)))).isEqualTo(TermFence.NONE);
        assertThat(TermFence.of(ByteString.EMPTY)).isEqualTo(TermFence.NONE);
        assertThat(TermFence.of(ByteString.copyFromUtf8("{\"decidedInTerm\":5}"))).as("only ever attached after a property")
                .isEqualTo(TermFence.NONE);
    }

    @Test
    void aStringValueThatLooksLikeTheFenceIsNotOne() {
        // In JSON a quote inside a string is escaped, and a string ends with a quote: neither matches.
        assertThat(TermFence.of(ByteString.copyFromUtf8("{\"type\":\"X\",\"v\":\"a,\\\"decidedInTerm\\\":5}\"}")))
                .isEqualTo(TermFence.NONE);
        assertThat(TermFence.of(ByteString.copyFromUtf8("{\"type\":\"X\",\"v\":\",\\\"decidedInTerm\\\":5}")))
                .as("escaped quotes").isEqualTo(TermFence.NONE);
        assertThat(TermFence.of(ByteString.copyFromUtf8("{\"type\":\"X\",\"decidedInTerm\":}")))
                .as("no digits").isEqualTo(TermFence.NONE);
    }

    @Test
    void aLeaderRefusesOnlyADecisionOfAnotherTerm() {
        assertThat(TermFence.refusal(TermFence.NONE, 60)).isNull();
        assertThat(TermFence.refusal(60, 60)).isNull();
        assertThat(TermFence.refusal(59, 60)).contains("term 59").contains("term 60").contains("no longer leads");
    }

    @Test
    void onlyAJsonObjectWithPropertiesTakesATerm() {
        assertThatThrownBy(() -> TermFence.attach("{}".getBytes(StandardCharsets.UTF_8), 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TermFence.attach(json(VERDICT), -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
