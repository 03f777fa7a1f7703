package dev.affinity.proxy.server;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. The client connector's executor. When a response to a client has been written, Jetty
 * hands that client's HTTP/1.1 connection to the executor so that it goes on to its next request; every
 * other task goes to the pool.
 *
 * <p>Jetty's way to go on is to read the socket at once. Under wrk on 2 cores, three of those reads in
 * ten found nothing after a GET (the client had not sent its next request yet), and after a small POST
 * Jetty's read went to the socket twice and found nothing both times (strace): 3.5 reads per POST
 * against 2 per GET. Each is a system call plus a buffer taken from the pool and given back. So when
 * nothing is left of the last request, the connection gives its empty buffer back to the pool, as
 * Jetty does once its read found nothing (a request with a body leaves Jetty's buffer with its
 * connection until then, unless {@link #bodyTaken} gave it back earlier), and asks the selector to
 * report its next request: one already there is read in the selector's next round rather than at once,
 * and each empty read is saved.
 *
 * <p>Jetty's read stays for a connection that may still hold bytes from its last request (pipelined
 * bytes) or is closing, and for every connection where HttpConnection's package-private
 * {@code releaseRequestBuffer} cannot be reached (another Jetty, or Jetty on the module path): only
 * slower. That read, and the requests it finds, run on the thread that finished the response,
 * typically a selector, instead of waking a pool thread: this proxy's handler never blocks ({@link
 * BalancingProxyHandler}, and the backend client, are non-blocking).
 */
final class ConnectionResumeExecutor implements Executor {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionResumeExecutor.class);

    /** HttpConnection's {@code releaseRequestBuffer()}, or null where it cannot be reached. */
    private static final MethodHandle RELEASE_REQUEST_BUFFER = releaseRequestBuffer();

    private final Executor pool;

    ConnectionResumeExecutor(Executor pool) {
        this.pool = requireNonNull(pool, "pool");
    }

    @Override
    public void execute(Runnable task) {
        if (task instanceof HttpConnection connection) {
            if (waitsForNextRequest(connection)) {
                giveBufferBack(connection);
                // As Jetty's own read interest does: run the connection on the selector unless the handler blocks.
                connection.fillInterested(Callback.from(connection.getServer().getInvocationType(),
                        connection::onFillable, connection::onFillInterestedFailed));
            } else {
                connection.run();
            }
        } else {
            pool.execute(task);
        }
    }

    private static boolean waitsForNextRequest(HttpConnection connection) {
        EndPoint endPoint = connection.getEndPoint();
        // A parser not at its start is closing the connection (Connection: close, HTTP/1.0, a body left
        // unread or an unanswered Expect: 100-continue, a failure).
        return waitsInsteadOfReading() && connection.isRequestBufferEmpty() && connection.getParser().isStart()
                && endPoint.isOpen() && !endPoint.isInputShutdown();
    }

    /**
     * Gives the connection's empty request buffer, if it still has one, back to the pool, where Jetty's
     * read would: on the thread that finished the response, before the connection waits for more.
     */
    private static void giveBufferBack(HttpConnection connection) {
        try {
            RELEASE_REQUEST_BUFFER.invokeExact(connection);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * After a body with a Content-Length was taken whole ({@link ArrivedBody#take}): reads the request's end,
     * so that Jetty's parser is past it, then gives the connection's request buffer back to the pool
     * if nothing else is in it (a pipelined request keeps it). Jetty keeps a request's buffer while its
     * body may still be read, which for a POST is until the response: with 64 POSTs in flight, the pool
     * searched past their buffers for each request's (profile at 20:30 in docs/performance.md).
     */
    static void bodyTaken(Request request) {
        if (RELEASE_REQUEST_BUFFER == null
                || !(request.getConnectionMetaData().getConnection() instanceof HttpConnection connection)) {
            return;
        }
        HttpParser parser = connection.getParser();
        // Only the end is left to read: its length all read, no more content can come.
        if (parser.getContentLength() < 0 || parser.getContentRead() != parser.getContentLength()) {
            return;
        }
        // Past the whole length only the end can come: Jetty's EOF, or a failure that ended the request,
        // which Jetty hands out again to whoever reads next.
        Content.Chunk end = request.read();
        if (end != null && end.isLast() && !Content.Chunk.isFailure(end) && connection.isRequestBufferEmpty()) {
            giveBufferBack(connection);
        }
    }

    /** Whether connections wait for their next request instead of reading at once (the test pins it). */
    static boolean waitsInsteadOfReading() {
        return RELEASE_REQUEST_BUFFER != null;
    }

    private static MethodHandle releaseRequestBuffer() {
        try {
            return MethodHandles.privateLookupIn(HttpConnection.class, MethodHandles.lookup())
                    .findVirtual(HttpConnection.class, "releaseRequestBuffer", MethodType.methodType(void.class));
        } catch (ReflectiveOperationException | RuntimeException unreachable) {
            // IllegalAccessException on the module path, NoSuchMethodException in another Jetty.
            LOG.info("Client connections read their socket again after each response, as Jetty does: "
                    + "Jetty's HttpConnection.releaseRequestBuffer() is not reachable ({})", unreachable.toString());
            return null;
        }
    }
}
