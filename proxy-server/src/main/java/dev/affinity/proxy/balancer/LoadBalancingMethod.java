package dev.affinity.proxy.balancer;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * An lbmethod: how a balancer picks a member for a request that names no usable route.
 * Implementations are reached by name, as {@code lbmethod=} names them.
 */
public interface LoadBalancingMethod {

    /** The lbmethod names httpd knows, for messages. */
    String KNOWN = "byrequests";

    /**
     * The method an httpd config names.
     *
     * @throws IllegalArgumentException naming the known methods
     */
    static LoadBalancingMethod named(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "byrequests":
                return ByRequests.METHOD;
            case "bytraffic":
            case "bybusyness":
            case "heartbeat":
                throw new IllegalArgumentException("lbmethod '" + name + "' is not supported yet (expected: " + KNOWN + ")");
            default:
                throw new IllegalArgumentException("lbmethod '" + name + "' (expected: " + KNOWN + ")");
        }
    }

    String name();

    /** State for one balancer with these members. */
    Selector newSelector(List<Member> members);

    /** Thread-safe. The per-balancer state of an lbmethod. */
    interface Selector {

        /** Picks one of the members that {@code eligible} accepts, or none if it accepts none. */
        Optional<Member> pick(Predicate<Member> eligible);

        /**
         * Accounts a request that went to {@code chosen} because of its route, so that sticky traffic
         * counts in the balance as httpd's proxy_balancer_pre_request makes it count.
         */
        void countSticky(Member chosen, Predicate<Member> usable);
    }
}
