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
    /**
     * Set when the member left error without having answered since it failed (its retry window
     * passed, or a forced recovery): its next failure is the same outage, logged at DEBUG, not WARN.
     */
    private volatile boolean unproven;
    /** Its health check has failed hcfails times in a row and not yet passed hcpasses times (status C). */
    private volatile boolean healthFailed;
    /** Results in a row, counted by the one health check of this member that runs at a time. */
    private int passesInARow;
    private int failsInARow;
    /** The loadfactor in hundredths, read on every pick. */
    private final int lbfactor;
    /** {@code http://host:port/base}, to which a request's path is appended. */
    private final String urlPrefix;
    /** The path the member's URL carries, without a trailing slash: {@code ""} for {@code http://h:1/}. */
    private final String basePath;
    /** The Host header a request to it carries unless ProxyPreserveHost: {@code host:port}. */
    private final String hostHeader;

    Member(MemberConfig config, String balancerName, int index, LongSupplier nanoClock) {
        this.config = requireNonNull(config, "config");
        this.balancerName = requireNonNull(balancerName, "balancerName");
        this.index = index;
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
        this.lbfactor = config.lbfactor();
        this.basePath = config.basePath();
        this.urlPrefix = config.origin() + basePath;
        String host = config.url().getHost();
        boolean defaultPort = config.port() == ("https".equals(config.url().getScheme()) ? 443 : 80);
        this.hostHeader = host + (defaultPort ? "" : ":" + config.port());
        this.errorSince = new AtomicLong(config.has(MemberStatus.IN_ERROR) ? nanoClock.getAsLong() : OK);
    }

    public MemberConfig config() {
        return config;
    }

    /** The route this member answers to; empty for none. */
    public String route() {
        return config.route();
    }

    /** {@code http://host:port/base}: the member's URL without a trailing slash. */
    public String urlPrefix() {
        return urlPrefix;
    }

    /** The path the member's URL carries, without a trailing slash, e.g. {@code /app} or {@code ""}. */
    public String basePath() {
        return basePath;
    }

    /** {@code host:port} (port left out when it is the scheme's default), as httpd sends it. */
    public String hostHeader() {
        return hostHeader;
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
        if (config.has(MemberStatus.DISABLED) || config.has(MemberStatus.STOPPED) || healthFailed) {
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
            unproven = true;
            LOG.debug("{}: retry window of {}s passed, trying it again", this, config.retry().toSeconds());
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
        if (previous == OK && !unproven) {
            LOG.warn("{}: ok -> error for {}s: {}", this, config.retry().toSeconds(), why);
        } else {
            LOG.debug("{}: still failing: {}", this, why);
        }
    }

    /**
     * Records one health check result; called by one check at a time. After hcfails failures in a
     * row the member is taken out, after hcpasses passes in a row it is back.
     */
    public void healthCheckResult(boolean passed, String detail) {
        HealthCheck check = config.healthCheck().orElseThrow();
        if (passed) {
            failsInARow = 0;
            passesInARow++;
            if (healthFailed && passesInARow >= check.passes()) {
                healthFailed = false;
                LOG.warn("{}: health check failed -> ok after {} passing check(s): {}", this, passesInARow, detail);
            }
        } else {
            passesInARow = 0;
            failsInARow++;
            if (!healthFailed && failsInARow >= check.fails()) {
                healthFailed = true;
                LOG.warn("{}: ok -> health check failed after {} failing check(s): {}", this, failsInARow, detail);
            }
        }
    }

    /** It answered: a later failure is a new outage, worth a WARN again. */
    public void answered() {
        if (unproven) {
            unproven = false;
            LOG.warn("{}: error -> ok: it answers again", this);
        }
    }

    /** Ends the error state at once (forcerecovery). */
    void forceRecovery() {
        if (errorSince.getAndSet(OK) != OK) {
            unproven = true;
        }
    }

    /** Whether it failed and has not answered since. */
    boolean unproven() {
        return unproven;
    }

    /** Status {@code +N}: takes only requests sticky to it. */
    public boolean draining() {
        return config.has(MemberStatus.DRAIN);
    }

    boolean hotStandby() {
        return config.has(MemberStatus.HOT_STANDBY);
    }

    boolean hotSpare() {
        return config.has(MemberStatus.HOT_SPARE);
    }

    int lbset() {
        return config.lbset();
    }

    @Override
    public String toString() {
        String route = config.route().isEmpty() ? "" : " route=" + config.route();
        // A ProxyPass to a plain URL has an implicit balancer named by that URL's origin.
        return balancerName.contains("://") ? "backend " + config.url() + route
                : "balancer://" + balancerName + " member " + config.url() + route;
    }
}
