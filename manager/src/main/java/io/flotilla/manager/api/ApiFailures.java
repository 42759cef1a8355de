package io.flotilla.manager.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.flotilla.manager.dispatcher.NotLeaderException;
import io.flotilla.manager.dispatcher.UnknownNodeException;
import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.CommandFailedException;
import io.flotilla.manager.raft.UnavailableException;
import io.flotilla.model.Json;
import io.flotilla.model.api.ApiError;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the API answers a request whose handler threw: with the {@link ApiError} for what was thrown
 * ({@link #toApiException}), the leader's address on a follower's 503, a WARN in the log for a
 * 5xx; and quietly (a DEBUG line) when the answer had started already, the server is closing or
 * the client went.
 */
final class ApiFailures {
    /** Logs as the API server: one category for the API's trace. */
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    private ApiFailures() {}

    /** Answers {@code request}, whose handler threw {@code e}, if an answer can still be given. */
    static void answer(ApiExchange exchange, ApiRequest request, Exception e) throws IOException {
        if (exchange.responseCode() != -1) {
            LOG.debug("{} {} failed after the answer started: {}", request.method(),
                    exchange.path(), e.toString());
            return;
        }
        ApiException error = toApiException(e);
        if (e instanceof NotLeaderException notLeader && notLeader.leaderApi() != null) {
            exchange.responseHeader(ApiServer.LEADER_HEADER, notLeader.leaderApi());
        }
        if (e instanceof InterruptedException) {
            // The server is closing: in-flight long polls end; nothing went wrong.
            Thread.currentThread().interrupt();
            LOG.debug("{} {} interrupted by shutdown", request.method(), exchange.path());
        } else if (!exchange.open()) {
            // The client went (or was cut: the request deadline) while its request was read.
            LOG.debug("{} {}: the connection closed: {}", request.method(), exchange.path(), e.toString());
            return;
        } else if (error.status() >= 500) {
            LOG.warn("{} {} → {}: {}", request.method(), exchange.path(), error.status(),
                    error.getMessage(), e);
        }
        exchange.respond(error.status(), "application/json", Json.writeBytes(error.error()));
    }

    static ApiException toApiException(Exception e) {
        Throwable cause = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
        return switch (cause) {
            case ApiException api -> api;
            case UnavailableException u -> new ApiException(503, "unavailable", u.getMessage());
            case UnknownNodeException u -> ApiException.notFound(u.getMessage());
            case NotLeaderException u -> new ApiException(503, "unavailable", u.getMessage());
            case CommandFailedException c -> new ApiException(500, "internal", c.getMessage());
            case JsonMappingException j when j.getCause() instanceof IllegalArgumentException
                                              || j.getCause() instanceof NullPointerException ->
                    ApiException.invalid("invalid body: " + j.getCause().getMessage());
            case JsonProcessingException j -> ApiException.invalid("malformed JSON: " + j.getOriginalMessage());
            case IllegalArgumentException i -> ApiException.invalid(i.getMessage());
            case NullPointerException npe -> ApiException.invalid("missing field: " + npe.getMessage());
            case InterruptedException i -> new ApiException(503, "unavailable", "the manager is stopping");
            default -> new ApiException(500, "internal", cause.toString());
        };
    }
}
