package dev.affinity.proxy.server;

import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpStatus;

/**
 * What one failed attempt means, decided in one place: whose fault it was, whether the request may
 * go to another member, and otherwise which status the client gets.
 *
 * <ul>
 *   <li>The client's body broke (bad chunking, early close): its error, 400, and no member is to blame.</li>
 *   <li>No connection was made: the member goes into error; the request is intact and may go elsewhere;
 *       503 if nowhere is left.</li>
 *   <li>The backend timed out: 504. It failed otherwise after the request reached it: 502.</li>
 * </ul>
 * A request is replayed only while its body is whole (all of it came with the head and is held, see
 * {@link ArrivedBody}, or no attempt asked for it) and no response began, and then only if it was
 * never sent, the connection failed, or the method is idempotent (RFC 9110 9.2.2) and the backend
 * did not merely time out.
 *
 * @param connectFailed whether no connection to the member could be made
 * @param replayable whether the request could be sent again whole
 * @param status what the client gets if it is not sent again
 * @param why a short explanation for the error page
 */
record AttemptFailure(boolean connectFailed, boolean replayable, int status, String why) {

    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

    /**
     * @param idempotencyKey whether the request carries an {@code Idempotency-Key} header: its sender
     *                       promises that a repeat is harmless, so a POST or PATCH counts as idempotent
     */
    static AttemptFailure of(Exchange exchange, String method, boolean idempotencyKey, Throwable failure,
                             boolean responseCommitted) {
        if (exchange.clientBodyFailure != null) {
            Throwable cause = exchange.clientBodyFailure;
            int status = cause instanceof HttpException http ? http.getCode() : HttpStatus.BAD_REQUEST_400;
            return new AttemptFailure(false, false, status, "the request body is malformed");
        }
        boolean connectFailed = isConnectFailure(failure, exchange.begun);
        boolean notSent = !exchange.begun;
        boolean timedOut = failure instanceof TimeoutException;
        // A timed-out backend may still be working on the request: 504, never a second copy elsewhere.
        boolean replayable = !timedOut && !exchange.responseBegun && !exchange.bodyTouched && !responseCommitted
                && (connectFailed || notSent || idempotencyKey || IDEMPOTENT.contains(method));
        if (connectFailed || notSent) {
            return new AttemptFailure(connectFailed, replayable, HttpStatus.SERVICE_UNAVAILABLE_503,
                    "no member accepted the connection");
        }
        if (timedOut) {
            return new AttemptFailure(false, false, HttpStatus.GATEWAY_TIMEOUT_504, "the backend did not answer in time");
        }
        return new AttemptFailure(false, replayable, HttpStatus.BAD_GATEWAY_502, "the backend failed to answer");
    }

    /** Whether the balancer lets this request try another member: not past maxattempts, not a broken nofailover session. */
    boolean mayFailOver(Exchange exchange) {
        return replayable && !(exchange.sticky && exchange.balancer.config().noFailover())
                && exchange.failovers < exchange.balancer.maxAttempts();
    }

    /**
     * No member left to try: 503. What the client reads names no balancer or member (a ProxyPass's
     * balancer is named after its member's URL); the balancer's own reason is for the log.
     */
    static AttemptFailure noMember() {
        return new AttemptFailure(false, false, HttpStatus.SERVICE_UNAVAILABLE_503, "no member is usable");
    }

    /**
     * Whether no connection could be made: refused, unreachable, unresolvable, or a connect timeout.
     * Only that puts the member in error; a request that failed for another reason before it was
     * sent (a full queue, a stopping client) is not the member's fault.
     */
    private static boolean isConnectFailure(Throwable failure, boolean begun) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException
                    || t instanceof java.net.UnknownHostException
                    || t instanceof java.nio.channels.UnresolvedAddressException
                    || (!begun && t instanceof java.net.SocketTimeoutException)) {
                return true;
            }
        }
        return false;
    }

    static String describe(Throwable failure) {
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
