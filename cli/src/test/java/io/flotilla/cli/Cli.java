package io.flotilla.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs the CLI in-process with captured stdout/stderr (System.out is swapped: callers are sequential). */
final class Cli {
    private Cli() {}

    static synchronized ShopEndToEndIT.CliResult run(String host, String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        if (host != null && needsHost(args)) {
            argv.add("--host");
            argv.add(host);
        }
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = Main.run(argv.toArray(String[]::new));
            return new ShopEndToEndIT.CliResult(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static boolean needsHost(String[] args) {
        return !(args.length >= 2 && args[0].equals("stack") && args[1].equals("config"));
    }
}
