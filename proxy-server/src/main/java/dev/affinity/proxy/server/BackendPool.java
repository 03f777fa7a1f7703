package dev.affinity.proxy.server;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Thread-safe. The connections to one member: idle ones kept per selector, so a request takes one
 * that the selector serving its client already watches, most recently used first (a few warm
 * connections carry the load, the rest reach the ttl), and a cap on how many are open.
 *
 * <p>The pool, not each connection's idle timeout, ends a connection idle for the member's ttl:
 * one sweep, scheduled for when the oldest idle connection expires, closes it, and a connection
 * that expired before the sweep came is not handed out. Lowering a connection's idle timeout each
 * time it went back to the pool cost a timer cancel and reschedule per request (2% of the CPU).
 */
final class BackendPool {

    /** Open connections per member at most, as HttpClient's limit per destination was; beyond, HttpClient queues. */
    static final int MAX_CONNECTIONS = 1024;

    private final Map<ManagedSelector, Slot> slots = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final long ttlNanos;
    private final Scheduler scheduler;
    /** Whether a sweep is due: then each connection put back leaves it to that sweep. */
    private final AtomicBoolean sweepDue = new AtomicBoolean();

    /** @param ttl how long a connection may stay idle in the pool */
    BackendPool(Duration ttl, Scheduler scheduler) {
        this.ttlNanos = ttl.toNanos();
        this.scheduler = scheduler;
    }

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

    /**
     * After a connection went back: unless a sweep is due already, one a ttl from now, which is when
     * this connection, the only one idle (or one put back during a sweep's last look), expires.
     */
    private void sweepLater() {
        if (!sweepDue.get() && sweepDue.compareAndSet(false, true)) {
            schedule(ttlNanos);
        }
    }

    /**
     * Closes the expired connections, then schedules the next sweep for the oldest one left; a sweep
     * stays due while any connection is idle. Only when none is does it stop, and then looks once
     * more: a connection put back during that look saw the sweep due and left its expiry to it.
     */
    private void sweep() {
        try {
            long now = System.nanoTime();
            for (Slot slot : slots.values()) {
                slot.closeExpired(now);
            }
        } finally {
            if (!scheduleForOldest()) {
                sweepDue.set(false);
                if (slots.values().stream().anyMatch(slot -> slot.oldestIdleSince() != Long.MIN_VALUE)) {
                    sweepLater();
                }
            }
        }
    }

    /** Schedules a sweep for when the oldest idle connection expires; false when none is idle. */
    private boolean scheduleForOldest() {
        long oldest = 0;
        boolean any = false;
        for (Slot slot : slots.values()) {
            long since = slot.oldestIdleSince();
            if (since != Long.MIN_VALUE && (!any || since - oldest < 0)) {
                oldest = since;
                any = true;
            }
        }
        if (any) {
            schedule(Math.max(0, oldest + ttlNanos - System.nanoTime()));
        }
        return any;
    }

    private void schedule(long delayNanos) {
        try {
            scheduler.schedule(this::sweep, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            // The proxy is stopping: its selectors close every connection.
        }
    }

    /**
     * The idle connections of one selector, newest first. Each connection's {@code idleSince} is
     * guarded by this slot's lock, and is {@link Long#MIN_VALUE} unless the connection is here.
     */
    final class Slot {

        private final ArrayDeque<BackendConnection> idle = new ArrayDeque<>();

        /**
         * An idle open connection, or null: then the caller opens one. What expired is closed
         * first: the sweep may come a little late.
         */
        BackendConnection acquire() {
            long now = System.nanoTime();
            List<BackendConnection> expired;
            BackendConnection taken = null;
            synchronized (this) {
                expired = takeExpired(now);
                BackendConnection connection;
                while ((connection = idle.pollFirst()) != null) {
                    connection.idleSince = Long.MIN_VALUE;
                    if (connection.getEndPoint().isOpen()) {
                        // Before anyone can see it taken: see BackendConnection.onIdleExpired.
                        connection.taken();
                        taken = connection;
                        break;
                    }
                }
            }
            close(expired);
            return taken;
        }

        void release(BackendConnection connection) {
            synchronized (this) {
                // Read under the lock, so the connections stay in the order they went back.
                connection.idleSince = System.nanoTime();
                idle.offerFirst(connection);
            }
            sweepLater();
        }

        /** Whether the connection is idle here, where the pool's sweep, not its idle timeout, ends it. */
        synchronized boolean holds(BackendConnection connection) {
            return connection.idleSince != Long.MIN_VALUE;
        }

        /** Called once per connection, when it closes. */
        void closed(BackendConnection connection) {
            synchronized (this) {
                if (connection.idleSince != Long.MIN_VALUE) {
                    connection.idleSince = Long.MIN_VALUE;
                    idle.remove(connection);
                }
            }
            unreserve();
        }

        private void closeExpired(long now) {
            List<BackendConnection> expired;
            synchronized (this) {
                expired = takeExpired(now);
            }
            close(expired);
        }

        /** Takes out the connections idle for the ttl: the oldest, at the tail. Null for none. */
        private List<BackendConnection> takeExpired(long now) {
            List<BackendConnection> expired = null;
            BackendConnection oldest;
            while ((oldest = idle.peekLast()) != null && now - oldest.idleSince >= ttlNanos) {
                idle.pollLast();
                oldest.idleSince = Long.MIN_VALUE;
                if (expired == null) {
                    expired = new ArrayList<>();
                }
                expired.add(oldest);
            }
            return expired;
        }

        private static void close(List<BackendConnection> expired) {
            if (expired != null) {
                expired.forEach(c -> c.getEndPoint().close());
            }
        }

        /** When the oldest idle connection went back, or Long.MIN_VALUE for none. */
        private synchronized long oldestIdleSince() {
            BackendConnection oldest = idle.peekLast();
            return oldest == null ? Long.MIN_VALUE : oldest.idleSince;
        }
    }
}
