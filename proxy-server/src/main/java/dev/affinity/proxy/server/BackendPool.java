package dev.affinity.proxy.server;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.io.ManagedSelector;

/**
 * Thread-safe. The idle connections to one member, kept per selector: a request takes a connection
 * that the selector serving its client already watches. Most recently used first, so a few warm
 * connections carry the load and the rest reach the idle timeout.
 */
final class BackendPool {

    private final Map<ManagedSelector, Slot> slots = new ConcurrentHashMap<>();

    Slot slot(ManagedSelector selector) {
        return slots.computeIfAbsent(selector, s -> new Slot());
    }

    /** The idle connections of one selector. */
    static final class Slot {

        private final ArrayDeque<BackendConnection> idle = new ArrayDeque<>();

        /** An idle open connection, or null: then the caller opens one. */
        synchronized BackendConnection acquire() {
            BackendConnection connection;
            while ((connection = idle.pollFirst()) != null) {
                if (connection.getEndPoint().isOpen()) {
                    return connection;
                }
            }
            return null;
        }

        synchronized void release(BackendConnection connection) {
            idle.offerFirst(connection);
        }

        synchronized void closed(BackendConnection connection) {
            idle.remove(connection);
        }
    }
}
