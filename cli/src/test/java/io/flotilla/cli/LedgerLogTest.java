package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The end-to-end tests' ledger checks must catch each way two writers show in the file. */
class LedgerLogTest {
    @Test
    void writersTakingTurnsPass() {
        LedgerLog ledger = LedgerLog.parse(List.of("1 a t", "2 a t", "3 b t", "4 b t", "5 c t"));
        ledger.assertOneWriterAtATime();
        assertThat(ledger.writers()).containsExactly("a", "b", "c");
    }

    @Test
    void interleavedWritersFail() {
        LedgerLog ledger = LedgerLog.parse(List.of("1 a t", "2 b t", "3 a t"));
        assertThatThrownBy(ledger::assertOneWriterAtATime).hasMessageContaining("no interleaving");
    }

    @Test
    void aNumberWrittenTwiceFails() {
        LedgerLog ledger = LedgerLog.parse(List.of("1 a t", "2 a t", "2 b t"));
        assertThatThrownBy(ledger::assertOneWriterAtATime).hasMessageContaining("line 2 follows 2");
    }

    @Test
    void aLostLineFails() {
        LedgerLog ledger = LedgerLog.parse(List.of("1 a t", "2 a t", "4 b t"));
        assertThatThrownBy(ledger::assertOneWriterAtATime).hasMessageContaining("line 4 follows 2");
    }

    @Test
    void anEmptyLedgerFails() {
        assertThatThrownBy(LedgerLog.parse(List.of())::assertOneWriterAtATime).hasMessageContaining("ledger lines");
    }

    @Test
    void aTornLineFails() {
        assertThatThrownBy(() -> LedgerLog.parse(List.of("1 a t", "2 a"))).hasMessageContaining("ledger line '2 a'");
    }
}
