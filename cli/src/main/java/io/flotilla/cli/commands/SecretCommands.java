package io.flotilla.cli.commands;

import io.flotilla.model.FileKind;
import picocli.CommandLine.Command;

/**
 * {@code flotilla secret create|ls|inspect|rm|update}, as Docker's secret commands, plus {@code update}
 * (a new version for running tasks, beyond Swarm). The subcommands are {@link FileObjectCommands}'.
 */
@Command(name = "secret", description = "Manage secrets: encrypted in the cluster, given to the tasks that use them as files (see docs/secrets.md).", subcommands = {
        SecretCommands.Create.class, SecretCommands.Ls.class, SecretCommands.Inspect.class, SecretCommands.Rm.class, SecretCommands.Update.class})
public final class SecretCommands {
    private SecretCommands() {}

    @Command(name = "create", description = "Create a secret from a file or standard input (-). A name that"
            + " exists is refused: give a new version with `secret update`.")
    static final class Create extends FileObjectCommands.Create {
        @Override
        FileKind kind() {
            return FileKind.SECRET;
        }
    }

    @Command(name = "ls", aliases = "list", description = "List secrets: id, name, version, created, updated, and"
            + " which version the tasks that use each hold.")
    static final class Ls extends FileObjectCommands.Ls {
        @Override
        FileKind kind() {
            return FileKind.SECRET;
        }
    }

    @Command(name = "inspect", description = "Display secrets as a JSON array in Docker's shape (never its content).")
    static final class Inspect extends FileObjectCommands.Inspect {
        @Override
        FileKind kind() {
            return FileKind.SECRET;
        }
    }

    @Command(name = "rm", aliases = "remove", description = "Remove secrets. One a service uses, or a stack owns"
            + " (removed with its stack), is refused and nothing changes.")
    static final class Rm extends FileObjectCommands.Rm {
        @Override
        FileKind kind() {
            return FileKind.SECRET;
        }
    }

    @Command(name = "update", description = "Give a secret a new version (beyond Swarm): running tasks that use it"
            + " get it through their service's on_dependency_change policy. The same content makes no new version.")
    static final class Update extends FileObjectCommands.Update {
        @Override
        FileKind kind() {
            return FileKind.SECRET;
        }
    }
}
