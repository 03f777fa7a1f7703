package dev.affinity.proxy.server;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;

/**
 * Thread-safe. The client connector's executor. When a response to a client has been written, Jetty
 * hands that client's HTTP/1.1 connection to the executor so that it goes on to its next request; every
 * other task goes to the pool.
 *
 * <p>Jetty's way to go on is to read the socket at once. Under wrk on 2 cores, three of those reads in
 * ten found nothing (the client had not sent its next request yet), each a system call plus a buffer
 * taken from the pool and given back. So when nothing is left of the last request, the connection
 * instead asks the selector to report its next one: a request already there is read in the selector's
 * next round rather than at once, and each empty read is saved. Jetty's read stays for a connection that
 * may still hold bytes or a buffer from its last request (pipelined bytes, a request with a body, see
 * {@link #MARK_BODIES}) or is closing. That read, and the requests it finds, run on the thread that
 * finished the response, typically a selector, instead of waking a pool thread: this proxy's handler
 * never blocks ({@link BalancingProxyHandler}, and the backend client, are non-blocking).
 */
final class ConnectionResumeExecutor implements Executor {

    private static final String BODY_ARRIVED = ConnectionResumeExecutor.class.getName() + ".bodyArrived";

    /**
     * Marks the connection of every request with a body: Jetty releases the buffer it read such a
     * request's body into only when it reads the connection again. A customizer, because Jetty runs
     * customizers before it answers a request 400 without calling the handler, and still reads its body.
     * A mark outlives its request when the connection goes on without this executor (a response written
     * before the handler returned); the next request then goes on with Jetty's read, which is only slower.
     */
    static final HttpConfiguration.Customizer MARK_BODIES = (request, responseHeaders) -> {
        if (request.getLength() > 0 || Fields.has(request.getHeaders(), HttpHeader.TRANSFER_ENCODING)) {
            request.getConnectionMetaData().setAttribute(BODY_ARRIVED, Boolean.TRUE);
        }
        return request;
    };

    private final Executor pool;

    ConnectionResumeExecutor(Executor pool) {
        this.pool = requireNonNull(pool, "pool");
    }

    @Override
    public void execute(Runnable task) {
        if (task instanceof HttpConnection connection) {
            if (waitsForNextRequest(connection)) {
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
        if (connection.removeAttribute(BODY_ARRIVED) != null) {
            return false;
        }
        EndPoint endPoint = connection.getEndPoint();
        // A parser not at its start is closing the connection (Connection: close, HTTP/1.0, a failure).
        return connection.isRequestBufferEmpty() && connection.getParser().isStart()
                && endPoint.isOpen() && !endPoint.isInputShutdown();
    }
}
