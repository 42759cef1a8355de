package io.flotilla.mesh;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A mesh for profiling by hand (wrk, async-profiler): one plaintext HTTP listener forwarding to
 * backends on loopback ports. Not a test; {@code ./flotilla bench mesh} is the official benchmark.
 *
 * <pre>java -cp ... io.flotilla.mesh.MeshBenchMain 19400 19101 19102 19103 [P2C|ROUND_ROBIN]</pre>
 */
public final class MeshBenchMain {
    private MeshBenchMain() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 2) {
            System.err.println("usage: MeshBenchMain <listen port> <backend port>... [balancing]");
            System.exit(2);
        }
        int listen = Integer.parseInt(args[0]);
        MeshRoute.Balancing balancing = MeshRoute.Balancing.P2C;
        List<MeshBackend> backends = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (Character.isLetter(args[i].charAt(0))) {
                balancing = MeshRoute.Balancing.valueOf(args[i]);
            } else {
                backends.add(new MeshBackend("b" + i, "127.0.0.1", Integer.parseInt(args[i])));
            }
        }
        Mesh mesh = new Mesh(MeshOptions.defaults(), new SimpleMeterRegistry());
        mesh.apply(new MeshTable(List.of(new MeshListener("127.0.0.1", listen, MeshListener.Protocol.HTTP, null, false,
                List.of(new MeshRoute("bench", null, null, balancing, backends))))));
        System.out.println("mesh (" + mesh.transportName() + ") on 127.0.0.1:" + listen + " -> " + backends + " " + balancing);
        Runtime.getRuntime().addShutdownHook(new Thread(mesh::close));
        new CountDownLatch(1).await();
    }
}
