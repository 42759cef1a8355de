package io.flotilla.manager.api;

import io.flotilla.model.Task;
import io.flotilla.model.api.TaskLogSource;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code service logs}: the output of a service's tasks, each line prefixed
 * {@code name.slot.shortid@node | }. Without follow the tasks come one after the other; with
 * follow each task is read on its own virtual thread, interleaved line by line, until every
 * source returns (its task ended, or the reader went away and a write failed).
 */
final class LogStreamer {
    private static final Logger LOG = LoggerFactory.getLogger(LogStreamer.class);
    private static final int SHORT_ID = 12;

    private final TaskLogSource source;

    LogStreamer(TaskLogSource source) {
        this.source = source;
    }

    static String prefix(Task task) {
        String shortId = task.id().length() > SHORT_ID ? task.id().substring(0, SHORT_ID) : task.id();
        String slot = task.slot() > 0 ? Integer.toString(task.slot()) : "";
        return task.serviceName() + "." + (slot.isEmpty() ? "" : slot + ".") + shortId + "@" + task.nodeId() + " | ";
    }

    void stream(List<Task> tasks, int tail, boolean follow, OutputStream out) throws IOException, InterruptedException {
        if (!follow) {
            for (Task task : tasks) {
                try (LinePrefixingOutputStream prefixed = new LinePrefixingOutputStream(out, prefix(task))) {
                    source.write(task, tail, false, prefixed);
                }
            }
            return;
        }
        List<Thread> readers = new ArrayList<>();
        for (Task task : tasks) {
            readers.add(Thread.ofVirtual().name("logs-" + task.id()).start(() -> {
                try (LinePrefixingOutputStream prefixed = new LinePrefixingOutputStream(out, prefix(task))) {
                    source.write(task, tail, true, prefixed);
                } catch (IOException e) {
                    LOG.debug("log stream of task {} ended: {}", task.id(), e.toString());
                }
            }));
        }
        try {
            for (Thread reader : readers) {
                reader.join();
            }
        } finally {
            readers.forEach(Thread::interrupt);
        }
    }
}
