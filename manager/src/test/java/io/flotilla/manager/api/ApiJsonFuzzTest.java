package io.flotilla.manager.api;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.flotilla.manager.cluster.NodeUpdateRequest;
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
import java.time.DateTimeException;
import java.util.Arrays;
import java.util.List;

/**
 * The JSON the cluster reads from others: every request body type the API reads (anonymous join
 * included) and the Raft log's {@link Command}s, read by {@link Json#MAPPER} as the API and the
 * state machine read them. From any bytes the mapper returns a value (or null for {@code null})
 * or throws a {@link JsonProcessingException}, which {@link ApiServer#toApiException} answers as
 * 400, or an {@link IllegalArgumentException}. A record's compact constructor may refuse with an
 * IllegalArgumentException or NullPointerException, which Jackson wraps; any other cause (a
 * ClassCastException, an IndexOutOfBoundsException, an Error) is a bug in a constructor and
 * a finding, as is anything thrown unwrapped and anything that takes seconds.
 *
 * <p>Corpus: {@code ApiJsonFuzzTestInputs/<method>/}. For {@link #requestBodies} the first byte
 * picks the type ({@code '0'} + its index in {@link #BODIES}), the rest is the body.
 */
class ApiJsonFuzzTest {
    private static final List<Class<?>> BODIES = List.of(JoinRequest.class, AgentHello.class, StatusReport.class,
            DeployRequest.class, ScaleRequest.class, ServiceUpdateRequest.class, RegistrationRequest.class,
            NodeUpdateRequest.class, ManagerPeer.class);
    /** Bodies up to 64 KiB: the anonymous limit; the mapper's work is linear past that. */
    private static final int MAX_INPUT = 64 * 1024;
    private static final long MAX_NANOS = 2_000_000_000L;

    @FuzzTest(maxDuration = "20s")
    void requestBodies(byte[] input) {
        if (input.length < 1 || input.length > MAX_INPUT) {
            return;
        }
        Class<?> type = BODIES.get(Math.floorMod(input[0] - '0', BODIES.size()));
        readsOrRefuses(Arrays.copyOfRange(input, 1, input.length), type);
    }

    @FuzzTest(maxDuration = "20s")
    void raftCommands(byte[] input) {
        if (input.length > MAX_INPUT) {
            return;
        }
        readsOrRefuses(input, Command.class);
    }

    private static void readsOrRefuses(byte[] body, Class<?> type) {
        long start = System.nanoTime();
        try {
            Json.MAPPER.readValue(body, type);
        } catch (JsonProcessingException refused) {
            if (!expectedCause(refused.getCause())) {
                throw new AssertionError("unexpected cause reading " + type.getSimpleName(), refused);
            }
        } catch (IllegalArgumentException refused) {
            // the documented refusal of a value Jackson did not wrap
        } catch (IOException e) {
            throw new AssertionError("an in-memory read cannot fail with I/O", e);
        }
        long elapsed = System.nanoTime() - start;
        if (elapsed > MAX_NANOS) {
            throw new AssertionError("reading " + type.getSimpleName() + " took " + elapsed / 1_000_000 + " ms");
        }
    }

    /** What a compact constructor or a value parser may throw for a bad value: reported as 400. */
    private static boolean expectedCause(Throwable cause) {
        return cause == null || cause instanceof IOException || cause instanceof IllegalArgumentException
                || cause instanceof NullPointerException || cause instanceof DateTimeException;
    }
}
