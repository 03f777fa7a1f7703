package dev.affinity.proxy.balancer;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. One backend of a balancer at run time: its configuration and its error state.
 *
 * <p>The only mutable state is "in error since": a member that failed to connect is left alone for
 * its {@code retry} window, then tried again by the next request that would pick it, as httpd's
 * ap_proxy_retry_worker does.
 */
public final class Member {

    private static final Logger LOG = LoggerFactory.getLogger(Member.class);
    private static final long OK = Long.MIN_VALUE;

    private final MemberConfig config;
    private final String balancerName;
    private final int index;
    private final LongSupplier nanoClock;
    private final AtomicLong errorSince;
    /** The loadfactor in hundredths, read on every pick. */
    private final int lbfactor;

    Member(MemberConfig config, String balancerName, int index, LongSupplier nanoClock) {
        this.config = requireNonNull(config, "config");
        this.balancerName = requireNonNull(balancerName, "balancerName");
        this.index = index;
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
        this.lbfactor = config.lbfactor();
        this.errorSince = new AtomicLong(config.has(MemberStatus.IN_ERROR) ? nanoClock.getAsLong() : OK);
    }

    public MemberConfig config() {
        return config;
    }

    /** The route this member answers to; empty for none. */
    public String route() {
        return config.route();
    }

    int lbfactor() {
        return lbfactor;
    }

    int index() {
        return index;
    }

    /**
     * Whether it may take a request now: not disabled, not stopped, and not in error; a member whose
     * retry window has passed leaves error here.
     */
    public boolean usable() {
        if (config.has(MemberStatus.DISABLED) || config.has(MemberStatus.STOPPED)) {
            return false;
        }
        return !inError();
    }

    /** Whether it is in error, after giving it its retry if the window has passed. */
    public boolean inError() {
        long since = errorSince.get();
        if (since == OK) {
            return false;
        }
        if (nanoClock.getAsLong() - since >= config.retry().toNanos() && errorSince.compareAndSet(since, OK)) {
            LOG.info("{}: retry window of {}s passed, trying it again", this, config.retry().toSeconds());
            return false;
        }
        return errorSince.get() != OK;
    }

    /**
     * Puts it into error for its retry window because a connection to it failed; a member with
     * status {@code +I} ignores errors.
     */
    public void markInError(String why) {
        if (config.has(MemberStatus.IGNORE_ERRORS)) {
            LOG.debug("{}: {} (ignored: status +I)", this, why);
            return;
        }
        long previous = errorSince.getAndSet(nanoClock.getAsLong());
        if (previous == OK) {
            LOG.warn("{}: ok -> error for {}s: {}", this, config.retry().toSeconds(), why);
        }
    }

    /** Ends the error state at once: forcerecovery when every member is in error. */
    void forceRecovery() {
        if (errorSince.getAndSet(OK) != OK) {
            LOG.warn("{}: error -> ok: forced recovery, every member of the balancer was in error", this);
        }
    }

    boolean draining() {
        return config.has(MemberStatus.DRAIN);
    }

    boolean hotStandby() {
        return config.has(MemberStatus.HOT_STANDBY);
    }

    @Override
    public String toString() {
        String route = config.route().isEmpty() ? "" : " route=" + config.route();
        // A ProxyPass to a plain URL has an implicit balancer named by that URL's origin.
        return balancerName.contains("://") ? "backend " + config.url() + route
                : "balancer://" + balancerName + " member " + config.url() + route;
    }
}
