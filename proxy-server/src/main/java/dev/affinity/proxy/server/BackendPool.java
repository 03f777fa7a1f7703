package dev.affinity.proxy.server;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.ManagedSelector;

/**
 * Thread-safe. The connections to one member: idle ones kept per selector, so a request takes one
 * that the selector serving its client already watches, most recently used first (a few warm
 * connections carry the load, the rest reach the idle timeout), and a cap on how many are open.
 */
final class BackendPool {

    /** Open connections per member at most, as HttpClient's limit per destination was; beyond, HttpClient queues. */
    static final int MAX_CONNECTIONS = 1024;

    private final Map<ManagedSelector, Slot> slots = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();

    Slot slot(ManagedSelector selector) {
        return slots.computeIfAbsent(selector, s -> new Slot());
    }

    /** Counts a connection about to be opened; false when the member has as many as it may. */
    boolean reserve() {
        if (open.incrementAndGet() > MAX_CONNECTIONS) {
            open.decrementAndGet();
            return false;
        }
        return true;
    }

    /** A reserved connection that never opened, or an open one that closed. */
    void unreserve() {
        open.decrementAndGet();
    }

    /** The idle connections of one selector. */
    final class Slot {

        private final ArrayDeque<BackendConnection> idle = new ArrayDeque<>();

        /** An idle open connection, or null: then the caller opens one. */
        synchronized BackendConnection acquire() {
            BackendConnection connection;
            while ((connection = idle.pollFirst()) != null) {
                if (connection.nearlyExpired()) {
                    connection.getEndPoint().close();
                } else if (connection.getEndPoint().isOpen()) {
                    return connection;
                }
            }
            return null;
        }

        synchronized void release(BackendConnection connection) {
            idle.offerFirst(connection);
        }

        /** Called once per connection, when it closes. */
        void closed(BackendConnection connection) {
            synchronized (this) {
                idle.remove(connection);
            }
            unreserve();
        }
    }
}
