package dev.affinity.proxy.server;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.Executor;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;

/**
 * Thread-safe. The client connector's executor. When a response to a client has been written, Jetty
 * hands that client's HTTP/1.1 connection to the executor so that it reads the next request. This
 * proxy's handler never blocks ({@link BalancingProxyHandler} is non-blocking, and so is the backend
 * client), so that task runs on the thread that finished the response, typically a selector, instead
 * of waking a pool thread for every request; every other task goes to the pool.
 *
 * <p>Jetty's task reads the socket at once, and the client has rarely sent its next request yet: on
 * 2 cores under wrk, three reads in ten found nothing, each a system call plus a buffer taken from the
 * pool and given back. When nothing is left of the last request, the connection instead waits for the
 * selector to report the next one, as it would after such an empty read. Jetty's read stays for a
 * connection that may still have bytes or a buffer from its last request: a request with a body
 * ({@link #bodyArrived}), pipelined bytes, a closing connection.
 */
final class ConnectionResumeExecutor implements Executor {

    /** Marks a client connection whose last request had a body: Jetty may still hold its request buffer. */
    private static final String BODY_ARRIVED = ConnectionResumeExecutor.class.getName() + ".bodyArrived";

    private final Executor pool;

    ConnectionResumeExecutor(Executor pool) {
        this.pool = requireNonNull(pool, "pool");
    }

    /**
     * Call for every request that has a body, before its response is complete: Jetty releases such a
     * request's buffer only when it reads the connection again, so its connection resumes with that read.
     */
    static void bodyArrived(Request request) {
        request.getConnectionMetaData().setAttribute(BODY_ARRIVED, Boolean.TRUE);
    }

    @Override
    public void execute(Runnable task) {
        if (task instanceof HttpConnection connection) {
            if (waitsForNextRequest(connection)) {
                // As Jetty's own read interest, which runs the connection on the selector when the handler
                // does not block.
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
        return connection.isRequestBufferEmpty() && connection.getParser().isStart()
                && endPoint.isOpen() && !endPoint.isInputShutdown();
    }
}
