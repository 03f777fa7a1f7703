package dev.affinity.proxy.balancer;

import java.util.Locale;
import java.util.Set;

/** The httpd key names Affinity knows, so an unknown key gets a message that says which are accepted. */
final class WorkerKeys {

    static final String MEMBER_KEYS = "route, loadfactor, status, retry, timeout, connectiontimeout, ttl, disablereuse, enablereuse, lbset, "
            + "hcmethod, hcuri, hcinterval, hcpasses, hcfails, hcexpr";
    static final String BALANCER_KEYS = "stickysession, stickysessionsep, scolonpathdelim, lbmethod, nofailover, "
            + "maxattempts, forcerecovery, timeout, failonstatus, failontimeout";

    /** httpd keys that are real but that Affinity does not implement (yet): say so instead of "unknown". */
    private static final Set<String> HTTPD_WORKER_KEYS = Set.of("min", "max", "smax", "acquire", "keepalive",
            "ping", "flushpackets", "flushwait", "iobuffersize", "receivebuffersize",
            "redirect", "hctemplate",
            "secret", "upgrade", "mapping", "responsefieldsize", "addressttl", "proxy_connect");
    private static final Set<String> HTTPD_BALANCER_KEYS = Set.of("growth",
            "nonce", "bordersec");

    private WorkerKeys() {
    }

    static String unknown(String key) {
        return unknown(key, "member", MEMBER_KEYS);
    }

    static String unknownBalancerKey(String key) {
        return unknown(key, "balancer", BALANCER_KEYS);
    }

    private static String unknown(String key, String kind, String expected) {
        String lower = key.toLowerCase(Locale.ROOT);
        if (HTTPD_WORKER_KEYS.contains(lower) || HTTPD_BALANCER_KEYS.contains(lower)) {
            return "key '" + key + "' is an httpd key that Affinity does not support yet (expected: " + expected + ")";
        }
        return "unknown " + kind + " key '" + key + "' (expected: " + expected + ")";
    }
}
