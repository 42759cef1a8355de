package io.flotilla.manager.dispatcher;

/** An agent spoke before saying hello (or after its node was removed): it must say hello again. */
public final class UnknownNodeException extends RuntimeException {
    public UnknownNodeException(String nodeId) {
        super("unknown node " + nodeId + ": the agent must say hello first");
    }
}
