package dev.affinity.proxy.server;

import static java.util.Objects.requireNonNull;

import dev.affinity.proxy.balancer.Balancer;
import dev.affinity.proxy.balancer.Member;
import dev.affinity.proxy.rewrite.ClientOrigin;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The state of one client request across its attempts: which balancer and path it maps to, which
 * members it tried, and how far the current attempt got, which decides whether it may be replayed.
 *
 * <p>Confined to one request: Jetty runs a request's callbacks one after another, each seeing the
 * writes of the one before, and only the byte counter is touched from the content reader too.
 */
final class Exchange {

    final Balancer balancer;
    /** The path and query to send, e.g. {@code /cart;BALANCEID=b.node1?x=1}. */
    final String target;
    final List<String> cookies;
    /** How the client reached the proxy, for rewritten URLs and Via. */
    final ClientOrigin origin;
    final Set<Member> tried = new HashSet<>();
    Member member;
    boolean sticky;
    int failovers;
    long waitDeadlineNanos;
    /** The attempt got a connection: a failure after this is not a failure to connect. */
    volatile boolean begun;
    /** The attempt's request head went out. */
    volatile boolean committed;
    /** The backend's response began: the attempt can no longer be replayed. */
    volatile boolean responseBegun;
    /** Bytes of the client's body handed to the backend so far; once non-zero it cannot be replayed. */
    volatile long bodyBytes;
    /** Why reading the client's body failed (bad chunking, early close); the client's fault, not the member's. */
    volatile Throwable clientBodyFailure;

    Exchange(Balancer balancer, String target, List<String> cookies, ClientOrigin origin) {
        this.balancer = requireNonNull(balancer, "balancer");
        this.target = requireNonNull(target, "target");
        this.cookies = List.copyOf(cookies);
        this.origin = requireNonNull(origin, "origin");
    }

    void startAttempt(Member chosen, boolean stickyChoice) {
        member = chosen;
        sticky = stickyChoice;
        begun = false;
        committed = false;
        responseBegun = false;
    }

    /** The backend URL of the current attempt: the member's URL followed by the mapped path. */
    String backendUrl() {
        String base = member.config().origin() + member.config().basePath();
        if (target.isEmpty()) {
            return base + "/";
        }
        return target.charAt(0) == '/' ? base + target : base + "/" + target;
    }
}
