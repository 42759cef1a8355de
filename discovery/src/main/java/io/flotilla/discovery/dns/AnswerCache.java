package io.flotilla.discovery.dns;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The DNS server's encoded answers to questions in the cluster domain, kept while the source they
 * were read from stays at the same generation ({@link io.flotilla.discovery.EndpointSource#generation}):
 * a repeated question is answered by copying bytes, without parsing it into a message, reading
 * the registry or encoding records (most of a query's cost before). A change in the registry or
 * the mesh moves the generation, and the next answer is built afresh: nothing stale is served,
 * and no timer is involved.
 *
 * <p>What is a question, here: a plain query (opcode 0, one question, no answer or authority
 * records, at most one additional record: an OPT without options), read from the wire as is; its
 * key is the name lower-cased, the type and class, whether it had an OPT, and the size the answer
 * was cut to (512, the OPT's size within 512-4096, or TCP's whole). Anything else (malformed,
 * EDNS options, several questions) is not read here, and the server answers it as before. The
 * answer to a key differs between two queries only in what the answer echoes: the ID, the RD flag
 * and the question's spelling (0x20 case randomisation), which are copied from the query into
 * each copy; elsewhere in the answer the question's name is a pointer to it (name compression).
 * The DO bit and the EDNS version are not in the key: the answer's OPT is the same whatever they
 * are. {@link DnsResponder} lists records in the same order each time (no rotation), so a kept
 * answer is the one it would build again.
 *
 * <p>Bounds: a table of {@code slots} entries, 4 per set (a key's set is fixed by its hash; a
 * full set loses a random one), and at most {@code maxBytes} of keys, answers and their objects;
 * an answer over {@link #MAX_ANSWER} is not kept. A new generation replaces the whole table on
 * the next store, so entries of an old one cost nothing after it. Lock-free: the receiving
 * threads look up and store concurrently; entries are immutable.
 */
final class AnswerCache {
    /** The largest answer kept: a UDP answer's largest, so bigger TCP ones are built each time. */
    static final int MAX_ANSWER = DnsResponder.MAX_UDP_SIZE;
    /** Room for ten thousand names and more (a set of 4 spares collisions); the table is 64 KiB of references. */
    static final int DEFAULT_SLOTS = 16_384;
    static final long DEFAULT_MAX_BYTES = 8L << 20;
    private static final int WAYS = 4;
    private static final int HEADER = 12;
    /** The entry's, key's and answer's object headers and references, roughly: many small answers are bounded too. */
    private static final int ENTRY_OVERHEAD = 64;
    /** After the name in a key: type (2), class (2), OPT or not (1), the size the answer was cut to (2). */
    private static final int KEY_TAIL = 7;
    private static final int OPT = 41;

    private record Entry(int hash, byte[] key, byte[] answer) {
        int cost() {
            return key.length + answer.length + ENTRY_OVERHEAD;
        }
    }

    /** One generation's entries and what they hold. */
    private record Table(long generation, AtomicReferenceArray<Entry> entries, AtomicLong bytes) {}

    private final int slots;
    private final long maxBytes;
    private final AtomicReference<Table> table;

    AnswerCache() {
        this(DEFAULT_SLOTS, DEFAULT_MAX_BYTES);
    }

    /** @param slots entries at most, a power of two, at least 4 */
    AnswerCache(int slots, long maxBytes) {
        if (slots < WAYS || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two >= " + WAYS + ": " + slots);
        }
        this.slots = slots;
        this.maxBytes = maxBytes;
        this.table = new AtomicReference<>(new Table(Long.MIN_VALUE, new AtomicReferenceArray<>(0), new AtomicLong()));
    }

    /**
     * The cached answer to {@code query[0, length)} at {@code generation}, copied into {@code out}
     * (at least {@link #MAX_ANSWER} long) with the query's ID, RD flag and spelling of the name:
     * its length; -1 if there is none (or the query is not one this cache reads).
     */
    int answer(byte[] query, int length, boolean tcp, long generation, byte[] out) {
        Table current = table.get();
        if (current.generation() != generation) {
            return -1;
        }
        byte[] key = keyOf(query, length, tcp);
        if (key == null) {
            return -1;
        }
        int hash = hash(key);
        int set = setOf(hash);
        for (int i = set; i < set + WAYS; i++) {
            Entry entry = current.entries().get(i);
            if (entry != null && entry.hash() == hash && java.util.Arrays.equals(entry.key(), key)) {
                byte[] answer = entry.answer();
                System.arraycopy(answer, 0, out, 0, answer.length);
                out[0] = query[0];
                out[1] = query[1];
                out[2] = (byte) ((answer[2] & ~1) | (query[2] & 1)); // RD, echoed
                System.arraycopy(query, HEADER, out, HEADER, key.length - KEY_TAIL);
                return answer.length;
            }
        }
        return -1;
    }

    /**
     * Keeps {@code answer}, built for {@code query[0, length)} from the source at {@code generation}
     * (read before the answer was), if the query is one this cache reads, the answer's question is
     * the query's, and it fits the bounds. A store for an older generation than the table's is
     * dropped; for a newer one it starts a new table.
     */
    void store(byte[] query, int length, boolean tcp, long generation, byte[] answer) {
        byte[] key = keyOf(query, length, tcp);
        if (key == null || answer.length > MAX_ANSWER || !questionOf(answer, key)) {
            return;
        }
        Table current = current(generation);
        if (current == null) {
            return;
        }
        Entry entry = new Entry(hash(key), key, answer);
        int set = setOf(entry.hash());
        int slot = -1;
        for (int i = set; i < set + WAYS && slot < 0; i++) {
            Entry there = current.entries().get(i);
            if (there == null || (there.hash() == entry.hash() && java.util.Arrays.equals(there.key(), key))) {
                slot = i;
            }
        }
        if (slot < 0) {
            slot = set + ThreadLocalRandom.current().nextInt(WAYS);
        }
        Entry old = current.entries().get(slot);
        long delta = entry.cost() - (old == null ? 0 : old.cost());
        // Reserve first, so that concurrent stores cannot together pass the bound.
        if (current.bytes().addAndGet(delta) > maxBytes || !current.entries().compareAndSet(slot, old, entry)) {
            current.bytes().addAndGet(-delta);
        }
    }

    /** The table for {@code generation}, made now if it is newer than the one there; null if older. */
    private Table current(long generation) {
        while (true) {
            Table current = table.get();
            if (current.generation() == generation) {
                return current;
            }
            if (current.generation() > generation) {
                return null;
            }
            Table fresh = new Table(generation, new AtomicReferenceArray<>(slots), new AtomicLong());
            if (table.compareAndSet(current, fresh)) {
                return fresh;
            }
        }
    }

    /** Entries held now, of the current table (for tests and metrics). */
    int size() {
        Table current = table.get();
        int count = 0;
        for (int i = 0; i < current.entries().length(); i++) {
            count += current.entries().get(i) == null ? 0 : 1;
        }
        return count;
    }

    /** Bytes counted against the bound now. */
    long bytes() {
        return table.get().bytes().get();
    }

    private int setOf(int hash) {
        return (hash & (slots - 1)) & ~(WAYS - 1);
    }

    private static int hash(byte[] key) {
        int h = java.util.Arrays.hashCode(key);
        return h ^ (h >>> 16);
    }

    /**
     * The key of {@code query[0, length)}, or null if it is not a plain query of one question with
     * at most an option-less OPT, nothing after it (see the class comment).
     */
    static byte[] keyOf(byte[] query, int length, boolean tcp) {
        if (length < HEADER + 5 || (query[2] & 0xf8) != 0 // QR, opcode
                || u16(query, 4) != 1 || u16(query, 6) != 0 || u16(query, 8) != 0 || u16(query, 10) > 1) {
            return null;
        }
        int end = nameEnd(query, HEADER, length);
        if (end < 0 || end + 4 > length) {
            return null;
        }
        int nameLength = end - HEADER;
        int limit = DnsResponder.UDP_DEFAULT_SIZE;
        boolean opt = u16(query, 10) == 1;
        int last = end + 4;
        if (opt) { // root name, type OPT, class = payload size, TTL (4), RDLENGTH 0
            if (last + 11 != length || query[last] != 0 || u16(query, last + 1) != OPT || u16(query, last + 9) != 0) {
                return null;
            }
            limit = Math.min(DnsResponder.MAX_UDP_SIZE, Math.max(DnsResponder.UDP_DEFAULT_SIZE, u16(query, last + 3)));
        } else if (last != length) {
            return null;
        }
        if (tcp) {
            limit = 65_535;
        }
        byte[] key = new byte[nameLength + KEY_TAIL];
        for (int i = 0; i < nameLength; i++) {
            byte b = query[HEADER + i];
            key[i] = b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
        }
        System.arraycopy(query, end, key, nameLength, 4);
        key[nameLength + 4] = (byte) (opt ? 1 : 0);
        key[nameLength + 5] = (byte) (limit >>> 8);
        key[nameLength + 6] = (byte) limit;
        return key;
    }

    /**
     * The offset after the uncompressed name at {@code start} (its zero label included), or -1 if
     * it runs past {@code length}, is longer than 255 bytes or is compressed (a query's first name
     * has nothing to point to).
     */
    private static int nameEnd(byte[] message, int start, int length) {
        int at = start;
        while (at < length) {
            int label = message[at] & 0xff;
            if (label == 0) {
                return at + 1 - start > 255 ? -1 : at + 1;
            }
            if (label > 63) {
                return -1;
            }
            at += 1 + label;
        }
        return -1;
    }

    /**
     * True if {@code answer} has one question, at offset 12, whose name matches the key's
     * (ignoring case) and whose type and class are the key's: the shape {@link #answer} patches.
     */
    private static boolean questionOf(byte[] answer, byte[] key) {
        int nameLength = key.length - KEY_TAIL;
        if (answer.length < HEADER + nameLength + 4 || u16(answer, 4) != 1) {
            return false;
        }
        for (int i = 0; i < nameLength + 4; i++) {
            byte b = answer[HEADER + i];
            byte lower = i < nameLength && b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
            if (lower != key[i]) {
                return false;
            }
        }
        return true;
    }

    private static int u16(byte[] bytes, int at) {
        return ((bytes[at] & 0xff) << 8) | (bytes[at + 1] & 0xff);
    }
}
