package dev.affinity.proxy.server;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.Executor;
import org.eclipse.jetty.server.internal.HttpConnection;

/**
 * Thread-safe. The client connector's executor. When a response to a client has been written, Jetty
 * hands that client's HTTP/1.1 connection to the executor so that it reads the next request. That
 * task reads what is there (usually nothing yet) and re-arms the selector, or handles the next
 * request, which in this proxy never blocks ({@link BalancingProxyHandler} is non-blocking, and so is
 * the backend client). So it runs on the thread that finished the response, typically the backend
 * client's selector, instead of waking a pool thread for every request; every other task goes to
 * the pool.
 */
final class ConnectionResumeExecutor implements Executor {

    private final Executor pool;

    ConnectionResumeExecutor(Executor pool) {
        this.pool = requireNonNull(pool, "pool");
    }

    @Override
    public void execute(Runnable task) {
        if (task instanceof HttpConnection) {
            task.run();
        } else {
            pool.execute(task);
        }
    }
}
