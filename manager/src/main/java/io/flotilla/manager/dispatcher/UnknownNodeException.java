package io.flotilla.manager.dispatcher;

/** An agent spoke before saying hello (or after its node was removed): it must say hello again. */
public final class UnknownNodeException extends RuntimeException {
    public UnknownNodeException(String nodeId) {
        super("unknown node " + nodeId + ": the agent must say hello first");
    }

    private UnknownNodeException(String message, boolean ignored) {
        super(message);
    }

    /** A hello from a node the cluster does not know (never joined, or removed). */
    public static UnknownNodeException notJoined(String nodeId) {
        return new UnknownNodeException("node " + io.flotilla.model.NodeIds.printable(nodeId) + " is not in the cluster:"
                + " a node joins with a token first (flotilla join --token ...), and a removed node joins again"
                + " with a new data directory", true);
    }
}
