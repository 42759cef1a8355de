package io.flotilla.discovery.dns;

import static io.flotilla.discovery.dns.DnsAnswerCacheTest.query;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/** {@link AnswerCache} alone: its bounds, its generations, and which queries it reads. */
class AnswerCacheTest {
    /** What the server would send for {@code query}: its header and question, then {@code extra} bytes. */
    private static byte[] answerTo(byte[] query, int extra) {
        byte[] answer = Arrays.copyOf(query, query.length + extra);
        answer[2] |= (byte) 0x80; // QR
        return answer;
    }

    private static byte[] get(AnswerCache cache, byte[] query, long generation) {
        byte[] out = new byte[AnswerCache.MAX_ANSWER];
        int length = cache.answer(query, query.length, false, generation, out);
        return length < 0 ? null : Arrays.copyOf(out, length);
    }

    @Test
    void itHoldsNoMoreEntriesThanItsSlotsNorBytesThanItsBound() throws IOException {
        AnswerCache bySlots = new AnswerCache(16, 1L << 30);
        AnswerCache byBytes = new AnswerCache(1024, 10_000);
        for (int i = 0; i < 2_000; i++) {
            byte[] query = query("s" + i + ".shop.flotilla.", Type.A, i, true, 0);
            bySlots.store(query, query.length, false, 1, answerTo(query, 200));
            byBytes.store(query, query.length, false, 1, answerTo(query, 200));
            assertThat(bySlots.size()).isLessThanOrEqualTo(16);
            assertThat(byBytes.bytes()).isLessThanOrEqualTo(10_000);
        }
        assertThat(bySlots.size()).as("full, with the newest kept").isEqualTo(16);
        byte[] last = query("s1999.shop.flotilla.", Type.A, 1, true, 0);
        assertThat(get(bySlots, last, 1)).isNotNull();
        assertThat(byBytes.size()).as("entries of ~280 bytes in 10,000").isBetween(20, 40);
        assertThat(byBytes.bytes()).isGreaterThan(10_000 - 400);
    }

    @Test
    void anAnswerOverTheLargestUdpOneIsNotKept() throws IOException {
        AnswerCache cache = new AnswerCache();
        byte[] query = query("big.shop.flotilla.", Type.A, 1, true, 0);
        cache.store(query, query.length, true, 1, answerTo(query, AnswerCache.MAX_ANSWER));
        assertThat(cache.size()).isZero();
    }

    @Test
    void anAnswerIsKeptForItsGenerationOnly() throws IOException {
        AnswerCache cache = new AnswerCache();
        byte[] query = query("web.shop.flotilla.", Type.A, 1, true, 0);
        cache.store(query, query.length, false, 5, answerTo(query, 16));
        assertThat(get(cache, query, 5)).isEqualTo(answerTo(query, 16));
        assertThat(get(cache, query, 6)).isNull();
        cache.store(query, query.length, false, 4, answerTo(query, 32)); // built before the change: dropped
        assertThat(get(cache, query, 5)).hasSize(query.length + 16);
        cache.store(query, query.length, false, 6, answerTo(query, 48)); // a new table
        assertThat(get(cache, query, 6)).hasSize(query.length + 48);
        assertThat(get(cache, query, 5)).isNull();
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void aHitCarriesTheQuerysIdRdFlagAndSpelling() throws IOException {
        AnswerCache cache = new AnswerCache();
        byte[] first = query("web.shop.flotilla.", Type.A, 1, true, 0);
        cache.store(first, first.length, false, 1, answerTo(first, 16));
        byte[] second = query("WEB.shop.FLOTILLA.", Type.A, 777, false, 0);
        Message hit = new Message(get(cache, second, 1));
        assertThat(hit.getHeader().getID()).isEqualTo(777);
        assertThat(hit.getHeader().getFlag(Flags.RD)).isFalse();
        assertThat(hit.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(hit.getQuestion().getName().toString()).isEqualTo("WEB.shop.FLOTILLA.");
    }

    @Test
    void theKeyTellsQuestionsTypesAndSizesApart() throws IOException {
        byte[] plain = key("web.shop.flotilla.", Type.A, 0, false);
        assertThat(plain).isNotNull();
        assertThat(key("WEB.shop.flotilla.", Type.A, 0, false)).isEqualTo(plain);
        assertThat(key("web.shop2.flotilla.", Type.A, 0, false)).isNotEqualTo(plain);
        assertThat(key("web.shop.flotilla.", Type.AAAA, 0, false)).isNotEqualTo(plain);
        assertThat(key("web.shop.flotilla.", Type.A, 0, true)).isNotEqualTo(plain);
        assertThat(key("web.shop.flotilla.", Type.A, 1232, false)).isNotEqualTo(plain)
                .isNotEqualTo(key("web.shop.flotilla.", Type.A, 4096, false))
                .isEqualTo(key("web.shop.flotilla.", Type.A, 1232, false));
        assertThat(key("web.shop.flotilla.", Type.A, 100, false)).as("below 512 counts as 512, with OPT")
                .isEqualTo(key("web.shop.flotilla.", Type.A, 512, false));
        assertThat(key("web.shop.flotilla.", Type.A, 8192, false)).as("above 4096 counts as 4096")
                .isEqualTo(key("web.shop.flotilla.", Type.A, 4096, false));
    }

    @Test
    void queriesItDoesNotReadHaveNoKey() throws IOException {
        byte[] good = query("web.shop.flotilla.", Type.A, 1, true, 0);
        assertThat(AnswerCache.keyOf(good, good.length, false)).isNotNull();
        assertThat(AnswerCache.keyOf(good, good.length - 1, false)).as("cut short").isNull();
        assertThat(AnswerCache.keyOf(Arrays.copyOf(good, good.length + 1), good.length + 1, false))
                .as("trailing bytes").isNull();
        byte[] response = good.clone();
        response[2] |= (byte) 0x80;
        assertThat(AnswerCache.keyOf(response, response.length, false)).as("QR set").isNull();
        byte[] update = good.clone();
        update[2] |= (byte) (5 << 3);
        assertThat(AnswerCache.keyOf(update, update.length, false)).as("opcode UPDATE").isNull();
        byte[] two = good.clone();
        two[5] = 2;
        assertThat(AnswerCache.keyOf(two, two.length, false)).as("two questions").isNull();
        byte[] pointer = good.clone();
        pointer[12] = (byte) 0xc0;
        assertThat(AnswerCache.keyOf(pointer, pointer.length, false)).as("a compressed name").isNull();
        byte[] noLength = good.clone();
        noLength[12] = 60; // the label runs past the end
        assertThat(AnswerCache.keyOf(noLength, noLength.length, false)).isNull();
        byte[] withCookie = query("web.shop.flotilla.", Type.A, 1, true, 1232);
        withCookie = Arrays.copyOf(withCookie, withCookie.length + 4);
        withCookie[withCookie.length - 5] = 4; // RDLENGTH 4: an option
        assertThat(AnswerCache.keyOf(withCookie, withCookie.length, false)).as("EDNS options").isNull();
    }

    private static byte[] key(String name, int type, int edns, boolean tcp) throws IOException {
        byte[] query = query(name, type, 1, true, edns);
        return AnswerCache.keyOf(query, query.length, tcp);
    }
}
