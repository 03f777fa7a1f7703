package dev.affinity.proxy.server;

import java.io.IOException;

/**
 * A pooled connection to a member ended (closed, reset) before any answer came to the request it
 * carried. The member may have closed it as idle just as the proxy reused it, a race no check before
 * the reuse can close. So the request goes again to the same member, without counting as its failure or
 * as a failover, if {@link AttemptFailure} lets it go again at all: on another pooled connection, which
 * may end the same way, or on a new one, whose failure is the member's. nginx gives its cached upstream
 * connections the same extra tries.
 */
final class StaleConnectionException extends IOException {

    StaleConnectionException(Throwable cause) {
        super("the pooled connection to the member ended before any answer: " + cause.getMessage(), cause);
    }
}
