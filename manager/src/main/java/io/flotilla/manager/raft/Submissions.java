package io.flotilla.manager.raft;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Waiting on a {@link ClusterStore#submit} from blocking code, with the cause rethrown as is. */
public final class Submissions {
    private Submissions() {}

    /** Waits for {@code future}; rethrows its failure ({@link UnavailableException}, {@link CommandFailedException}, …). */
    public static <T> T await(CompletableFuture<T> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        } catch (CancellationException e) {
            throw new UnavailableException("the change was cancelled", e);
        }
    }

    /** A submission's failure without the {@link CompletionException}s a future's stages wrap it in. */
    public static Throwable cause(Throwable failure) {
        Throwable unwrapped = failure;
        while (unwrapped instanceof CompletionException && unwrapped.getCause() != null) {
            unwrapped = unwrapped.getCause();
        }
        return unwrapped;
    }

    private static RuntimeException rethrow(Throwable cause) {
        Throwable unwrapped = cause(cause);
        if (unwrapped instanceof RuntimeException runtime) {
            return runtime;
        }
        if (unwrapped instanceof Error error) {
            throw error;
        }
        return new UnavailableException("the change failed: " + unwrapped, unwrapped);
    }
}
