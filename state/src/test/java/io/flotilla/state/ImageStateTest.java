package io.flotilla.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.ImageArchive;
import io.flotilla.model.Json;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The images the cluster stores: who holds which archive, through the log and a snapshot. */
class ImageStateTest {
    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);
    private static final Instant AT = Instant.parse("2026-12-05T19:00:00Z");

    private static ImageArchive image(String reference, String digest, String holder) {
        return new ImageArchive(reference, "sha256:" + digest, digest, 1234, List.of(holder), AT);
    }

    private static ClusterState apply(ClusterState state, Command command) {
        return StateMachine.apply(state, state.index() + 1, command);
    }

    @Test
    void anArchiveGainsHoldersAndAnotherArchiveForTheReferenceReplacesIt() {
        ClusterState s = apply(ClusterState.EMPTY, new Command.StoreImage(image("web:build-1", A, "m1")));
        s = apply(s, new Command.StoreImage(image("web:latest", A, "m1")));
        s = apply(s, new Command.ImageHeld(A, "m2"));
        s = apply(s, new Command.StoreImage(image("web:build-1", A, "m3")));

        assertThat(s.images().get("web:build-1").orElseThrow().holders()).containsExactly("m1", "m2", "m3");
        assertThat(s.images().get("web:latest").orElseThrow().holders()).containsExactly("m1", "m2");

        s = apply(s, new Command.StoreImage(image("web:latest", B, "m2")));
        assertThat(s.images().get("web:latest").orElseThrow().digest()).isEqualTo(B);
        assertThat(s.images().get("web:latest").orElseThrow().holders()).containsExactly("m2");
    }

    @Test
    void imagesSurviveASnapshotAndTheLog() {
        ClusterState s = apply(ClusterState.EMPTY, new Command.StoreImage(image("web:build-1", A, "m1")));
        s = apply(s, new Command.ImageHeld(A, "m2"));

        ClusterState restored = Json.read(Json.writeBytes(StateSnapshot.of(s)), StateSnapshot.class).toState();

        assertThat(restored.images().all()).containsExactlyElementsOf(s.images().all());
        Command command = Json.read(Json.write(new Command.ImageHeld(A, "m3")), Command.class);
        assertThat(command).isEqualTo(new Command.ImageHeld(A, "m3"));
    }
}
