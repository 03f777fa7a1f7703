package dev.affinity.proxy.server;

import dev.affinity.proxy.balancer.Balancer;
import dev.affinity.proxy.balancer.BalancerConfig;
import dev.affinity.proxy.config.ProxyConfig;
import dev.affinity.proxy.config.Targets;
import dev.affinity.proxy.rewrite.ProxyPass;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Thread-safe (immutable maps of thread-safe balancers). Which balancer each ProxyPass rule sends
 * to, decided at startup: {@code balancer://NAME/...} by name, {@code http://host:port/...} by its
 * origin. Substitutions only ever change what follows that prefix, so per request the mapped URL is
 * only cut, never parsed.
 */
final class Backends {

    /** Where a mapped request goes: a balancer and the path and query to send. */
    record Target(Balancer balancer, String pathAndQuery) {
    }

    /** A rule's balancer and the length of the backend prefix its mapped URLs start with. */
    private record RuleTarget(Balancer balancer, int prefixLength) {
    }

    private final Map<String, Balancer> balancers;
    /** By identity: rules are distinct objects, and identity needs no hashing of their fields per request. */
    private final Map<ProxyPass, RuleTarget> byRule = new IdentityHashMap<>();

    Backends(ProxyConfig config) {
        Map<String, Balancer> built = new LinkedHashMap<>();
        for (BalancerConfig b : config.balancers().values()) {
            built.put(b.name(), new Balancer(b, System::nanoTime));
        }
        this.balancers = Map.copyOf(built);
        for (ProxyPass rule : config.proxyPass()) {
            rule.target().ifPresent(url -> {
                Balancer balancer = Targets.balancerName(url).map(balancers::get)
                        .orElseGet(() -> balancers.get(ProxyConfig.directKey(Targets.origin(url))));
                byRule.put(rule, new RuleTarget(balancer, Targets.backendPrefixLength(url)));
            });
        }
    }

    Map<String, Balancer> all() {
        return balancers;
    }

    Target resolve(ProxyPass.Mapped mapped) {
        RuleTarget target = byRule.get(mapped.rule());
        return new Target(target.balancer(), mapped.url().substring(target.prefixLength()));
    }
}
