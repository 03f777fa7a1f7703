package dev.affinity.proxy.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A socket end point that knows which selector serves it, so that a request's backend connection
 * can be taken from, or opened on, the same selector as the client's connection (see
 * {@link SharedSelectorConnector}).
 *
 * <p>A client's connection keeps its read interest registered while its request is with a member.
 * Jetty drops the interest when the request is read and asks again once the response is written; on
 * the JDK's epoll selector, an interest dropped across a select is an {@code EPOLL_CTL_DEL}, and asked
 * again an {@code EPOLL_CTL_ADD}: two system calls per request, 3% of the proxy's CPU under wrk. If
 * the socket turns readable while nobody waits to read (a pipelined request, the client's close), the
 * interest is dropped as Jetty wants it, until the connection asks to read again: the bytes wait in
 * the socket, and the selector never spins.
 *
 * <p>A write to a member made while the selector's thread goes through the keys of a select waits
 * until it is done with them, or has held 32 ({@link BatchingSelector}).
 *
 * <p>A flush is one {@code write} system call where {@link SingleWrite} can make it one: a response's
 * head and small body, a request to a member.
 */
final class SelectorEndPoint extends SocketChannelEndPoint {

    private final BatchingSelector selector;
    private final SingleWrite writes;
    private final boolean toMember;
    private SelectionKey key;
    /** Whether the read interest stays registered when Jetty drops it; written from any thread. */
    private volatile boolean lingering;
    /** Readable while nobody waits to read: the kept read interest must go. Selector thread only. */
    private boolean unread;

    SelectorEndPoint(SocketChannel channel, BatchingSelector selector, SelectionKey key, Scheduler scheduler,
                     SingleWrite writes, boolean toMember) {
        super(channel, selector, key, scheduler);
        this.selector = selector;
        this.writes = writes;
        this.toMember = toMember;
        this.key = key;
        this.lingering = !toMember;
    }

    @Override
    public void write(Callback callback, ByteBuffer... buffers) {
        if (toMember && selector.hold(this, callback, buffers)) {
            return;
        }
        super.write(callback, buffers);
    }

    /** As Jetty's, with one {@code write} system call where {@link SingleWrite} can make it one. */
    @Override
    public boolean flush(ByteBuffer... buffers) throws IOException {
        long written;
        try {
            written = writes.write(getChannel(), buffers);
        } catch (IOException e) {
            throw new EofException(e);
        }
        if (written > 0) {
            notIdle();
        }
        return BufferUtil.isEmpty(buffers);
    }

    void writeNow(Callback callback, ByteBuffer[] buffers) {
        super.write(callback, buffers);
    }

    @Override
    protected void needsFillInterest() {
        lingering = !toMember;
        super.needsFillInterest();
    }

    @Override
    public Runnable onSelected() {
        int ready = key.readyOps();
        boolean unwanted = !toMember && (ready & SelectionKey.OP_READ) != 0 && !getFillInterest().isInterested();
        Runnable task = super.onSelected();
        if (!unwanted) {
            return task;
        }
        lingering = false;
        unread = true;
        // Jetty's task would find no reader, and, having none to ask, would run on a pool thread. A
        // reader that comes meanwhile asks for the read again, which the next select reports.
        return (ready & SelectionKey.OP_WRITE) != 0 ? task : null;
    }

    @Override
    public void updateKey() {
        super.updateKey();
        if (toMember || !isOpen()) {
            return;
        }
        // Selector thread only, as every change of the key's interest.
        try {
            if (unread) {
                unread = false;
                // Jetty, which never saw the read interest kept, leaves it on the key: take it off, unless
                // a read was asked for meanwhile (lingering again, or still waiting).
                if (!lingering && !getFillInterest().isInterested()) {
                    key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
                }
            } else if (lingering && key.interestOps() == 0) {
                key.interestOps(SelectionKey.OP_READ);
            }
        } catch (CancelledKeyException closing) {
            // Closed meanwhile: the selector drops the key.
        }
    }

    @Override
    public void replaceKey(SelectionKey newKey) {
        key = newKey;
        super.replaceKey(newKey);
    }

    /** What the selector watches this socket for now, as {@link SelectionKey#interestOps()}; 0 once closed. */
    int watchedFor() {
        try {
            return key.interestOps();
        } catch (CancelledKeyException closed) {
            return 0;
        }
    }

    /** Whether this is a connection to a member, not from a client. */
    boolean toMember() {
        return toMember;
    }

    BatchingSelector selector() {
        return selector;
    }
}
