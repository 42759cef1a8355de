package io.flotilla.cli;

import java.util.List;

/**
 * The ledger demo's own processes on this machine, whichever node runs them: the JVM
 * ({@code java … io.flotilla.cli.Main demo-app ledger}, the launcher execs it) or a container's
 * {@code sh /ledger.sh}; not the task's shim or watchdog, whose command lines name the program too.
 */
final class LedgerProcesses {
    private LedgerProcesses() {}

    /** The ledger process of one task (by the task id in its environment). */
    static List<ProcessHandle> ofTask(String taskId) {
        return matching("FLOTILLA_TASK_ID=" + taskId + "\0");
    }

    /** Every live ledger process of a service, on any node. */
    static List<ProcessHandle> ofService(String service) {
        return matching("FLOTILLA_SERVICE=" + service + "\0");
    }

    private static List<ProcessHandle> matching(String environmentEntry) {
        return roots(ProcessHandle.allProcesses().filter(p -> HostProcesses.read(p.pid(), "environ").contains(environmentEntry)
                && isLedger(HostProcesses.read(p.pid(), "cmdline"))).toList());
    }

    /**
     * Without the busybox ledger's passing subshells ({@code $(tail …)}: forks of the script with its
     * command line, whose parent is the ledger itself); a process gone meanwhile is dropped too.
     */
    private static List<ProcessHandle> roots(List<ProcessHandle> processes) {
        return processes.stream().filter(p -> {
            String stat = HostProcesses.read(p.pid(), "stat");
            if (stat.isEmpty()) {
                return false;
            }
            // pid (comm) state ppid …: comm may hold spaces, so count from the last ')'
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return !isLedger(HostProcesses.read(Long.parseLong(fields[1]), "cmdline"));
        }).toList();
    }

    private static boolean isLedger(String cmdline) {
        return cmdline.contains("io.flotilla.cli.Main\0demo-app\0ledger\0") || cmdline.startsWith("sh\0/ledger.sh\0");
    }
}
