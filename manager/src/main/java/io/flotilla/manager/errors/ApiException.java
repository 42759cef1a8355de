package io.flotilla.manager.errors;

import io.flotilla.model.api.ApiError;

/**
 * A request the API refuses, with the HTTP status and the {@link ApiError} code to answer. Below
 * both {@code api} and {@code cluster}: membership and enrollment refuse requests too, and the API
 * calls them, so it cannot live in {@code api} without a cycle between the two.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;

    public ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    public static ApiException invalid(String message) {
        return new ApiException(400, "invalid", message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, "conflict", message);
    }

    public int status() {
        return status;
    }

    public ApiError error() {
        return new ApiError(code, getMessage());
    }
}
