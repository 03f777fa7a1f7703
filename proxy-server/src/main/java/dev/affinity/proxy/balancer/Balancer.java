package dev.affinity.proxy.balancer;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. A balancer at run time: answers "which member?" for a request.
 *
 * <p>The order is httpd's: a route named by the request (URL first, then cookie) picks the usable
 * member with that route; a route that names no usable member gives no member when
 * {@code nofailover=On} and otherwise falls through to the lbmethod, which picks among the usable
 * members that are not draining, and only when none is left among the hot standbys.
 */
public final class Balancer {

    private static final Logger LOG = LoggerFactory.getLogger(Balancer.class);

    private final BalancerConfig config;
    private final List<Member> members;
    private final Optional<StickySession> sticky;
    private final LoadBalancingMethod.Selector selector;
    private final int maxLbset;

    public Balancer(BalancerConfig config, LongSupplier nanoClock) {
        this.config = requireNonNull(config, "config");
        List<Member> built = new ArrayList<>();
        for (MemberConfig m : config.members()) {
            built.add(new Member(m, config.name(), built.size(), nanoClock));
        }
        this.members = List.copyOf(built);
        this.sticky = config.sticky();
        this.selector = LoadBalancingMethod.named(config.lbmethod()).newSelector(members);
        this.maxLbset = members.stream().mapToInt(Member::lbset).max().orElse(0);
    }

    public BalancerConfig config() {
        return config;
    }

    public List<Member> members() {
        return members;
    }

    public String name() {
        return config.name();
    }

    /**
     * The route a request names, read once per request: its URL first, then its cookies.
     *
     * @param target  the request's path and query as mapped, e.g. {@code /cart;BALANCEID=b.node1?x=1}
     * @param cookies the values of its Cookie headers
     */
    public Optional<String> routeOf(String target, List<String> cookies) {
        return sticky.flatMap(s -> s.route(target, cookies));
    }

    /** Chooses the member for a request, as {@link #select(Optional, Set)} with the route it names. */
    public Selection select(String target, List<String> cookies, Set<Member> tried) {
        return select(routeOf(target, cookies), tried);
    }

    /**
     * Chooses the member for a request.
     *
     * @param route the route the request names, from {@link #routeOf}
     * @param tried members this request already failed on, never chosen again
     */
    public Selection select(Optional<String> route, Set<Member> tried) {
        // Before the route, as httpd's proxy_balancer_pre_request does (step 3, then 4): when every
        // member is in error, a sticky request goes back to its own member rather than elsewhere.
        recoverIfAllInError();
        if (route.isPresent()) {
            Optional<Member> routed = routeMember(route.get(), tried);
            if (routed.isPresent()) {
                selector.countSticky(routed.get(), Member::usable);
                return Selection.of(routed.get(), true);
            }
            // As httpd's member_of check: nofailover breaks only sessions of a member that exists; a
            // route no member has (a removed node's stale cookie) is balanced like no route at all.
            if (config.noFailover() && isRouteOfAMember(route.get())) {
                return Selection.none("route '" + route.get() + "' of balancer://" + name()
                        + " has no usable member and nofailover is On");
            }
        }
        return pickByLbset(tried).map(m -> Selection.of(m, false))
                .orElseGet(() -> Selection.none("balancer://" + name() + " has no usable member"));
    }

    /**
     * httpd's proxy_balancer_get_best_worker: lbsets in order, the first one with a usable member
     * wins. Within a set the lbmethod picks among the usable members, joined by one usable hot spare
     * for each member that is unusable (draining counts as unusable); only when none of them is left
     * does it pick among the set's hot standbys. A member this request already failed on counts as
     * unusable.
     */
    private Optional<Member> pickByLbset(Set<Member> tried) {
        for (int lbset = 0; lbset <= maxLbset; lbset++) {
            List<Member> eligible = new ArrayList<>(members.size());
            // Most balancers have no hot spares or standbys: these lists stay empty and shared.
            List<Member> spares = List.of();
            List<Member> standbys = List.of();
            int unusable = 0;
            for (Member m : members) {
                if (m.lbset() != lbset) {
                    continue;
                }
                boolean reserve = m.hotSpare() || m.hotStandby();
                if (m.draining() || tried.contains(m)) {
                    unusable += reserve ? 0 : 1;
                    continue;
                }
                boolean usable = m.usable();
                if (m.hotSpare()) {
                    spares = addIf(usable, spares, m);
                } else if (m.hotStandby()) {
                    standbys = addIf(usable, standbys, m);
                } else if (usable) {
                    eligible.add(m);
                } else {
                    unusable++;
                }
            }
            if (!spares.isEmpty()) {
                eligible.addAll(spares.subList(0, Math.min(unusable, spares.size())));
            }
            Optional<Member> picked = selector.pick(eligible::contains);
            if (picked.isEmpty() && !standbys.isEmpty()) {
                picked = selector.pick(standbys::contains);
            }
            if (picked.isPresent()) {
                return picked;
            }
        }
        return Optional.empty();
    }

    /** The list with m added if the condition holds: a new list the first time, as the shared empty one is immutable. */
    private static List<Member> addIf(boolean condition, List<Member> list, Member m) {
        if (!condition) {
            return list;
        }
        List<Member> added = list.isEmpty() ? new ArrayList<>() : list;
        added.add(m);
        return added;
    }

    private boolean isRouteOfAMember(String route) {
        for (Member m : members) {
            if (route.equals(m.route())) {
                return true;
            }
        }
        return false;
    }

    /** The usable member with that route, hot standbys last, as httpd's find_route_worker looks. */
    private Optional<Member> routeMember(String route, Set<Member> tried) {
        Member standby = null;
        for (Member m : members) {
            if (!route.equals(m.route()) || tried.contains(m) || !m.usable()) {
                continue;
            }
            if (!m.hotStandby()) {
                return Optional.of(m);
            }
            if (standby == null) {
                standby = m;
            }
        }
        return Optional.ofNullable(standby);
    }

    /**
     * httpd's forcerecovery: when every member is in error, none is left out of the next pick. One
     * WARN per outage: repeats, while no member has answered since, are logged at DEBUG.
     */
    private void recoverIfAllInError() {
        if (!config.forceRecovery()) {
            return;
        }
        boolean newOutage = false;
        for (Member m : members) {
            if (!m.inError()) {
                return;
            }
            newOutage |= !m.unproven();
        }
        members.forEach(Member::forceRecovery);
        if (newOutage) {
            LOG.warn("{}: every member is in error; forcing recovery (forcerecovery=On)", this);
        } else {
            LOG.debug("{}: every member is still in error; forcing recovery again", this);
        }
    }

    /** How many other members a failed request may try. */
    public int maxAttempts() {
        return config.effectiveMaxAttempts();
    }

    @Override
    public String toString() {
        return name().contains("://") ? "backend " + name() : "balancer://" + name();
    }
}
