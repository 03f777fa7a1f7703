package dev.affinity.proxy.server;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A socket end point that knows which selector serves it, so that a request's backend connection
 * can be taken from, or opened on, the same selector as the client's connection (see
 * {@link SharedSelectorConnector}).
 */
final class SelectorEndPoint extends SocketChannelEndPoint {

    private final ManagedSelector selector;
    private final boolean toMember;

    SelectorEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler,
                     boolean toMember) {
        super(channel, selector, key, scheduler);
        this.selector = selector;
        this.toMember = toMember;
    }

    /** Whether this is a connection to a member, not from a client. */
    boolean toMember() {
        return toMember;
    }

    ManagedSelector selector() {
        return selector;
    }
}
