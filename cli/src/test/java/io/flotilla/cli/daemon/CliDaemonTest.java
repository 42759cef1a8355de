package io.flotilla.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI daemon's side of the launcher protocol, on a real loopback socket with the frames a
 * shell reads: output and exit status come back whole and unmixed between concurrent commands, a
 * wrong token runs nothing, a launcher that goes away interrupts its command, and a daemon whose
 * distribution changed or that sat idle withdraws. Commands here are stand-ins (the launcher test
 * {@code CliDaemonIT} runs real ones), except {@code --version}.
 */
class CliDaemonTest {
    private static PrintStream originalOut;
    private static PrintStream originalErr;

    @TempDir Path tmp;
    private CliDaemon daemon;
    private Thread serving;
    private final AtomicBoolean interrupted = new AtomicBoolean();
    private final CountDownLatch blocking = new CountDownLatch(1);

    @BeforeAll
    static void route() {
        originalOut = System.out;
        originalErr = System.err;
        RoutedOutput.install();
    }

    @AfterAll
    static void restore() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (daemon != null) {
            daemon.stop();
            serving.join(5_000);
        }
    }

    /** echo WORDS: prints them, "err" on stderr, exit 3; child: prints from a thread it starts; big N: N bytes; block: waits. */
    private int command(String[] args) {
        switch (args[0]) {
            case "echo" -> {
                System.out.println(String.join(" ", List.of(args).subList(1, args.length)));
                System.err.println("err");
                return 3;
            }
            case "child" -> {
                Thread child = new Thread(() -> System.out.println("from child " + args[1]));
                child.start();
                try {
                    child.join();
                } catch (InterruptedException e) {
                    return 1;
                }
                return 0;
            }
            case "big" -> {
                byte[] line = "0123456789abcdef\n".getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < Integer.parseInt(args[1]); i++) {
                    System.out.write(line, 0, line.length);
                }
                return 0;
            }
            case "block" -> {
                blocking.countDown();
                try {
                    Thread.sleep(30_000);
                    return 0;
                } catch (InterruptedException e) {
                    interrupted.set(true);
                    return 130;
                }
            }
            default -> {
                return Main.run(args);
            }
        }
    }

    private Path start(Duration idle) throws IOException {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        Files.writeString(lib.resolve("flotilla-cli-0.jar"), "jar");
        Path file = tmp.resolve("daemons").resolve("key");
        ToIntFunction<String[]> runner = this::command;
        daemon = new CliDaemon(new DaemonState(file, lib), idle, runner);
        daemon.start();
        serving = Thread.ofPlatform().start(daemon::serve);
        return file;
    }

    record Reply(String out, String err, Integer status, boolean stale) {}

    private Socket send(String token, String... args) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), daemon.port());
        OutputStream out = socket.getOutputStream();
        out.write((token + "\n" + args.length + "\n").getBytes(StandardCharsets.UTF_8));
        for (String arg : args) {
            out.write(arg.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        out.flush();
        return socket;
    }

    /** Reads frames as the launcher does: "K LENGTH\n" then LENGTH bytes, until X or S. */
    private static Reply read(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        while (true) {
            String header = DaemonSession.readUntil(in, '\n', 64);
            if (header == null) {
                return new Reply(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), null, false);
            }
            String[] parts = header.split(" ");
            int length = Integer.parseInt(parts[1]);
            switch (parts[0]) {
                case "O" -> out.write(in.readNBytes(length));
                case "E" -> err.write(in.readNBytes(length));
                case "X" -> {
                    return new Reply(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), length, false);
                }
                case "S" -> {
                    return new Reply("", "", null, true);
                }
                default -> throw new AssertionError("unknown frame " + header);
            }
        }
    }

    private Reply run(String... args) throws IOException {
        try (Socket socket = send(daemon.token(), args)) {
            return read(socket);
        }
    }

    @Test
    void aCommandsOutputAndStatusComeBackWhole() throws IOException {
        Path file = start(Duration.ofMinutes(1));
        Reply reply = run("echo", "héllo", "two words", "");
        assertThat(reply).isEqualTo(new Reply("héllo two words \n", "err\n", 3, false));
        assertThat(run("--version")).isEqualTo(new Reply(Main.VERSION + "\n", "", 0, false));
        await().atMost(Duration.ofSeconds(10)).until(() -> daemon.served() == 2); // counted once its connection closed

        String[] published = Files.readString(file).strip().split(" ");
        assertThat(published).containsExactly(Integer.toString(daemon.port()), daemon.token(),
                Long.toString(ProcessHandle.current().pid()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
    }

    @Test
    void largeOutputArrivesInOrder() throws IOException {
        start(Duration.ofMinutes(1));
        Reply reply = run("big", "20000"); // 340 KB: several frames
        assertThat(reply.status()).isZero();
        assertThat(reply.out()).hasSize(20000 * 17).isEqualTo("0123456789abcdef\n".repeat(20000));
    }

    @Test
    void aWrongTokenRunsNothing() throws IOException {
        start(Duration.ofMinutes(1));
        String wrong = "0".repeat(daemon.token().length());
        try (Socket socket = send(wrong, "echo", "x")) {
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        try (Socket socket = send(daemon.token().substring(1), "echo", "x")) {
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(daemon.served()).isZero();
    }

    @Test
    void aConnectionThatSendsNoRequestIsClosed() throws IOException {
        start(Duration.ofMinutes(1));
        daemon.requestTimeout(Duration.ofMillis(300));
        try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), daemon.port());
             Socket halfway = new Socket(InetAddress.getLoopbackAddress(), daemon.port())) {
            halfway.getOutputStream().write((daemon.token() + "\n2\necho\0").getBytes(StandardCharsets.UTF_8));
            silent.setSoTimeout(10_000);
            halfway.setSoTimeout(10_000);
            assertThat(silent.getInputStream().read()).isEqualTo(-1); // closed, not a read timeout here
            assertThat(halfway.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(run("echo", "still", "serving").out()).isEqualTo("still serving\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> daemon.served() == 1);
    }

    @Test
    void theRequestBudgetCountsBytes() throws Exception {
        start(Duration.ofMinutes(1));
        String half = "\u00e9".repeat(300_000); // 600,000 bytes in UTF-8, 300,000 chars: two exceed 1 MiB
        Thread writer;
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), daemon.port())) {
            socket.setSoTimeout(10_000);
            writer = Thread.ofPlatform().start(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write((daemon.token() + "\n3\necho\0").getBytes(StandardCharsets.UTF_8));
                    for (int i = 0; i < 2; i++) {
                        out.write(half.getBytes(StandardCharsets.UTF_8));
                        out.write(0);
                    }
                    out.flush();
                } catch (IOException e) {
                    // reset by the daemon, which stopped reading at the budget
                }
            });
            int first;
            try {
                first = socket.getInputStream().read();
            } catch (java.net.SocketException reset) {
                first = -1;
            }
            assertThat(first).isEqualTo(-1);
        }
        writer.join(10_000);
        assertThat(daemon.served()).isZero();
        assertThat(run("echo", half.substring(0, 1000)).out()).hasSize(1001);
    }

    @Test
    void concurrentCommandsKeepTheirOwnOutput() throws Exception {
        start(Duration.ofMinutes(1));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String id = Integer.toString(i);
                replies.add(pool.submit(() -> i(id) % 2 == 0 ? run("echo", id) : run("child", id)));
            }
            for (int i = 0; i < 40; i++) {
                Reply reply = replies.get(i).get(30, TimeUnit.SECONDS);
                assertThat(reply.out()).isEqualTo(i % 2 == 0 ? i + "\n" : "from child " + i + "\n");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static int i(String id) {
        return Integer.parseInt(id);
    }

    @Test
    void aLauncherThatGoesAwayInterruptsItsCommand() throws Exception {
        start(Duration.ofMinutes(1));
        Socket socket = send(daemon.token(), "block");
        assertThat(blocking.await(10, TimeUnit.SECONDS)).isTrue();
        socket.close(); // Ctrl-C: the shell exits, its end of the connection closes
        await().atMost(Duration.ofSeconds(10)).untilTrue(interrupted);
    }

    @Test
    void aChangedDistributionMakesTheDaemonStepAside() throws IOException {
        Path file = start(Duration.ofMinutes(1));
        assertThat(run("echo", "before").status()).isEqualTo(3);
        Path jar = tmp.resolve("lib").resolve("flotilla-cli-0.jar");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 10_000));

        try {
            // the launcher runs it as its own JVM, and starts a new daemon
            assertThat(run("echo", "after").stale()).isTrue();
        } catch (java.net.ConnectException alreadyGone) {
            // the once-a-second check saw the change first: the launcher finds nobody, same outcome
        }
        assertThat(file).doesNotExist();
        await().atMost(Duration.ofSeconds(5)).until(() -> !serving.isAlive());
    }

    @Test
    void anIdleDaemonWithdraws() throws IOException {
        Path file = start(Duration.ofSeconds(1));
        assertThat(file).exists();
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(file) && !serving.isAlive());
    }

    @Test
    void aDaemonWhoseFileWasTakenOverLeaves() throws IOException {
        Path file = start(Duration.ofMinutes(1));
        Files.writeString(file, "1 someone-else 2\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> !serving.isAlive());
        assertThat(Files.readString(file)).isEqualTo("1 someone-else 2\n"); // not ours to remove
    }

}
