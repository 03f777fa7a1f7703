package dev.affinity.proxy.server;

import java.io.IOException;

/**
 * A pooled connection to a member ended (closed, reset) before any answer came to the request it
 * carried. The member may have closed it as idle just as the proxy reused it, so the request is not
 * lost for that member: see {@code BalancingProxyHandler.retryStale}.
 */
final class StaleConnectionException extends IOException {

    StaleConnectionException(Throwable cause) {
        super("the pooled connection to the member ended before any answer: " + cause.getMessage(), cause);
    }
}
