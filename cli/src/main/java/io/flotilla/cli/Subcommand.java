package io.flotilla.cli;

/**
 * A picocli command of a module that the cli does not depend on, added to {@code flotilla} when
 * that module is on the class path: {@link Main} finds them with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.flotilla.cli.Subcommand}). The benchmarks ({@code flotilla bench},
 * module {@code bench}) are one: they use the product — the CLI's own classes among it — so the
 * product does not depend on them, and the launcher puts them on the class path of
 * {@code flotilla bench …} only.
 */
public interface Subcommand {}
