package io.flotilla.manager.api;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.flotilla.manager.cluster.NodeUpdateRequest;
import io.flotilla.manager.errors.ApiException;
import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.DeployRequest;
import io.flotilla.model.api.JoinRequest;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.model.api.RegistrationRequest;
import io.flotilla.model.api.ServiceUpdateRequest;
import io.flotilla.model.api.StatusReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.util.Arrays;
import java.util.List;

/**
 * The JSON the cluster reads from others: every request body type the API reads (anonymous join
 * included), read by {@link ApiRequest#parse} as the API reads a body, and the Raft log's
 * {@link Command}s, read by {@link Json#read} as the state machine reads them.
 *
 * <p>A body gives a value or an error that {@link ApiFailures#toApiException} answers with 400: a
 * 500 (an unexpected exception; it is also logged as a warning) is a finding. A command gives a
 * value (or null for {@code null}) or an {@link UncheckedIOException} (a UTF-32 body with a bad
 * code point included: {@code utf32-invalid-code-point}). Either way, a Jackson
 * error caused by something other than what a record's compact constructor or a value parser
 * throws for a bad value (IllegalArgumentException, NullPointerException, DateTimeException) is
 * a bug in a constructor, and so is anything that takes seconds.
 *
 * <p>Corpus: {@code ApiJsonFuzzTestInputs/<method>/}. For {@link #requestBodies} the first byte
 * picks the type ({@code '0'} + its index in {@link #BODIES}), the rest is the body; an input
 * that made a body of a 500 is kept there ({@code utf32-invalid-code-point}).
 */
class ApiJsonFuzzTest {
    private static final List<Class<?>> BODIES = List.of(JoinRequest.class, AgentHello.class, StatusReport.class,
            DeployRequest.class, ScaleRequest.class, ServiceUpdateRequest.class, RegistrationRequest.class,
            NodeUpdateRequest.class, ManagerPeer.class);
    /** Bodies up to 64 KiB: the anonymous limit; the mapper's work is linear past that. */
    private static final int MAX_INPUT = 64 * 1024;
    /** Milliseconds for a body of 64 KiB; seconds mean super-linear work (or a loaded machine). */
    private static final long MAX_NANOS = 5_000_000_000L;
    private static final boolean WARM = warmUp();

    @FuzzTest(maxDuration = "20s")
    void requestBodies(byte[] input) {
        if (input.length < 1 || input.length > MAX_INPUT) {
            return;
        }
        Class<?> type = BODIES.get(Math.floorMod(input[0] - '0', BODIES.size()));
        byte[] body = Arrays.copyOfRange(input, 1, input.length);
        long start = System.nanoTime();
        try {
            ApiRequest.parse(body, type);
        } catch (Exception refused) {
            ApiException answer = ApiFailures.toApiException(refused);
            if (answer.status() != 400 || refused instanceof JsonProcessingException j && !expectedCause(j.getCause())) {
                throw new AssertionError("a " + type.getSimpleName() + " body answered " + answer.status(), refused);
            }
        }
        inTime(start, type);
    }

    @FuzzTest(maxDuration = "20s")
    void raftCommands(byte[] input) {
        if (input.length > MAX_INPUT) {
            return;
        }
        long start = System.nanoTime();
        try {
            Json.read(input, Command.class);
        } catch (UncheckedIOException refused) {
            // the state machine skips such an entry on every replica alike; a Jackson error must
            // still come from a bad value, not from a bug in a command's constructor
            if (refused.getCause() instanceof JsonProcessingException j && !expectedCause(j.getCause())) {
                throw new AssertionError("unexpected cause reading a command", refused);
            }
        }
        inTime(start, Command.class);
    }

    private static void inTime(long start, Class<?> type) {
        long elapsed = System.nanoTime() - start;
        if (elapsed > MAX_NANOS) {
            throw new AssertionError("reading " + type.getSimpleName() + " took " + elapsed / 1_000_000 + " ms");
        }
    }

    /**
     * Builds every type's deserializer before any read is timed: the first read of a type, with
     * Jackson instrumented by the fuzzer, took 7.7 s.
     */
    private static boolean warmUp() {
        for (Class<?> type : BODIES) {
            read("{}", type);
        }
        read("{\"type\":\"RemoveNode\",\"nodeId\":\"n1\"}", Command.class);
        return true;
    }

    private static void read(String json, Class<?> type) {
        try {
            Json.MAPPER.readValue(json, type);
        } catch (IOException | RuntimeException refused) {
            // only the deserializer's construction matters here
        }
    }

    /** What a compact constructor or a value parser may throw for a bad value: reported as 400. */
    private static boolean expectedCause(Throwable cause) {
        return cause == null || cause instanceof IOException || cause instanceof IllegalArgumentException
                || cause instanceof NullPointerException || cause instanceof DateTimeException
                || duplicateKey(cause);
    }

    /**
     * A key given twice whose record component is a Map or List ({@code "labels":{},"labels":{}}):
     * Jackson then sets it through its getter and refuses (a 400 all the same; kept in the corpus
     * as {@code duplicate-map-key}). Enabling the parser's strict duplicate detection in
     * {@link Json} would refuse every duplicate key up front.
     */
    private static boolean duplicateKey(Throwable cause) {
        return cause instanceof UnsupportedOperationException
                && String.valueOf(cause.getMessage()).startsWith("Should never call `set()` on setterless property");
    }
}
