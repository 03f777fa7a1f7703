package dev.affinity.proxy.server;

import static java.util.Objects.requireNonNull;

import dev.affinity.proxy.balancer.Balancer;
import dev.affinity.proxy.balancer.Member;
import dev.affinity.proxy.rewrite.ClientOrigin;
import dev.affinity.proxy.rewrite.RequestTarget;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpStatus;

/**
 * The state of one client request across its attempts: which balancer and path it maps to, which
 * members it tried, and how far the current attempt got, which decides whether it may be replayed.
 *
 * <p>Confined to one request: Jetty runs a request's callbacks one after another, each seeing the
 * writes of the one before; the flags the content reader and the client's listeners set are volatile.
 */
final class Exchange {

    final Balancer balancer;
    /** The mapped path and query to send, as {@link RequestTarget} gives it: {@code /cart;BALANCEID=b.node1?x=1}. */
    final String target;
    /** The route the request names, read once. */
    final Optional<String> route;
    /** How the client reached the proxy, worked out when first asked: few answers have a URL to rewrite. */
    private final Supplier<ClientOrigin> originOf;
    private ClientOrigin origin;
    /** The Via value added to the forwarded request and to the response, or null (ProxyVia); set before any attempt. */
    String via;
    /** The Max-Forwards value the member is sent, one less than the client's, or null for none; set before any attempt. */
    String maxForwards;
    /** What of the client's body had arrived when the request was handled: every attempt sends it first. */
    final ArrivedBody arrived;
    /** The members this request failed on: none, nearly always, so the set is made at the first. */
    private Set<Member> tried = Set.of();
    Member member;
    boolean sticky;
    int failovers;
    /**
     * The first failure of a member that had the request (a 502, say), or null. A refused connection
     * afterwards does not replace it: httpd would never have left that member, and answers its 502.
     */
    AttemptFailure memberFailure;
    long waitDeadlineNanos;
    /** The attempt got a connection and began sending: it is no longer "not sent at all". */
    volatile boolean begun;
    /** The backend's response began: the attempt can no longer be replayed. */
    volatile boolean responseBegun;
    /**
     * An attempt asked for the client's body (read or demand): from then on the body belongs to that
     * attempt, whose pending demand would collide with a second one, so the request cannot be replayed.
     * Never set for a body that {@link #arrived} whole: every attempt sends it from memory.
     */
    volatile boolean bodyTouched;
    /**
     * A member whose pooled connection ended under this request before any answer ({@link
     * StaleConnectionException}), while the request may still go again; else null. Should no other
     * member take the request, it goes once more to this one, on a new connection.
     */
    Member staleMember;
    /** The current attempt opens a new connection rather than take a pooled one. */
    boolean freshConnection;
    /** Why reading the client's body failed (bad chunking, early close); the client's fault, not the member's. */
    volatile Throwable clientBodyFailure;

    Exchange(Balancer balancer, String target, Optional<String> route, Supplier<ClientOrigin> originOf,
             ArrivedBody arrived) {
        this.balancer = requireNonNull(balancer, "balancer");
        this.target = RequestTarget.canonical(requireNonNull(target, "target"));
        this.route = requireNonNull(route, "route");
        this.originOf = requireNonNull(originOf, "originOf");
        this.arrived = requireNonNull(arrived, "arrived");
    }

    /** How the client reached the proxy, for rewritten URLs. */
    ClientOrigin origin() {
        // Calls come one after another (see above); were two ever to race, both would get the same
        // immutable answer.
        ClientOrigin known = origin;
        if (known == null) {
            known = originOf.get();
            origin = known;
        }
        return known;
    }

    Set<Member> tried() {
        return tried;
    }

    void failedOn(Member failed) {
        if (tried.isEmpty()) {
            tried = new HashSet<>();
        }
        tried.add(failed);
    }

    /** Notes an attempt's failure; the first one that is not a lack of connection or member is kept. */
    void noteFailure(AttemptFailure failure) {
        if (memberFailure == null && failure.status() != HttpStatus.SERVICE_UNAVAILABLE_503) {
            memberFailure = failure;
        }
    }

    /** What the client gets when this failure (an attempt's, or no member left) ends the request. */
    AttemptFailure answerFor(AttemptFailure failure) {
        return failure.status() == HttpStatus.SERVICE_UNAVAILABLE_503 && memberFailure != null ? memberFailure : failure;
    }

    void startAttempt(Member chosen, boolean stickyChoice) {
        member = chosen;
        sticky = stickyChoice;
        begun = false;
        responseBegun = false;
        freshConnection = false;
    }

    /** The backend URL of the current attempt: the member's URL followed by the mapped path. */
    String backendUrl() {
        return targetAfter(member.urlPrefix());
    }

    /**
     * The mapped path after {@code base}: the member's URL, or, for the request line, its base path as
     * {@link RequestTarget} encodes it.
     */
    String targetAfter(String base) {
        if (target.isEmpty()) {
            return base + "/";
        }
        return target.charAt(0) == '/' ? base + target : base + "/" + target;
    }
}
