package io.flotilla.cli.commands;

import io.flotilla.model.FileKind;
import picocli.CommandLine.Command;

/**
 * {@code flotilla config create|ls|inspect|rm|update}, as Docker's config commands, plus {@code update}
 * (a new version for running tasks, beyond Swarm). The subcommands are {@link FileObjectCommands}'.
 */
@Command(name = "config", description = "Manage configs: given to the tasks that use them as files (see docs/secrets.md).", subcommands = {
        ConfigCommands.Create.class, ConfigCommands.Ls.class, ConfigCommands.Inspect.class, ConfigCommands.Rm.class, ConfigCommands.Update.class})
public final class ConfigCommands {
    private ConfigCommands() {}

    @Command(name = "create", description = "Create a config from a file or standard input (-). A name that"
            + " exists is refused: give a new version with `config update`.")
    static final class Create extends FileObjectCommands.Create {
        @Override
        FileKind kind() {
            return FileKind.CONFIG;
        }
    }

    @Command(name = "ls", aliases = "list", description = "List configs: id, name, version, created, updated, and"
            + " which version the tasks that use each hold.")
    static final class Ls extends FileObjectCommands.Ls {
        @Override
        FileKind kind() {
            return FileKind.CONFIG;
        }
    }

    @Command(name = "inspect", description = "Display configs as a JSON array in Docker's shape (with its content (--pretty: as text)).")
    static final class Inspect extends FileObjectCommands.Inspect {
        @Override
        FileKind kind() {
            return FileKind.CONFIG;
        }
    }

    @Command(name = "rm", aliases = "remove", description = "Remove configs. One a service uses, or a stack owns"
            + " (removed with its stack), is refused and nothing changes.")
    static final class Rm extends FileObjectCommands.Rm {
        @Override
        FileKind kind() {
            return FileKind.CONFIG;
        }
    }

    @Command(name = "update", description = "Give a config a new version (beyond Swarm): running tasks that use it"
            + " get it through their service's on_dependency_change policy. The same content makes no new version.")
    static final class Update extends FileObjectCommands.Update {
        @Override
        FileKind kind() {
            return FileKind.CONFIG;
        }
    }
}
