package dev.affinity.proxy.server;

import dev.affinity.proxy.balancer.Balancer;
import dev.affinity.proxy.balancer.BalancerConfig;
import dev.affinity.proxy.config.ProxyConfig;
import dev.affinity.proxy.config.Targets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Thread-safe (immutable map of thread-safe balancers). Finds the balancer a mapped URL goes to:
 * {@code balancer://NAME/path} by name, {@code http://host:port/path} by its origin.
 */
final class Backends {

    /** Where a mapped request goes: a balancer and the path and query to send. */
    record Target(Balancer balancer, String pathAndQuery) {
    }

    private final Map<String, Balancer> balancers;

    Backends(ProxyConfig config) {
        Map<String, Balancer> built = new LinkedHashMap<>();
        for (BalancerConfig b : config.balancers().values()) {
            built.put(b.name(), new Balancer(b, System::nanoTime));
        }
        this.balancers = Map.copyOf(built);
    }

    Map<String, Balancer> all() {
        return balancers;
    }

    Optional<Target> resolve(String mappedUrl) {
        Optional<String> name = Targets.balancerName(mappedUrl);
        if (name.isPresent()) {
            return Optional.ofNullable(balancers.get(name.get()))
                    .map(b -> new Target(b, Targets.pathAfterBalancer(mappedUrl)));
        }
        String origin;
        try {
            origin = Targets.origin(mappedUrl);
        } catch (IllegalArgumentException e) {
            // e.g. "ProxyPass / http://h:1" maps /x to http://h:1x; the reader warned about it at startup.
            return Optional.empty();
        }
        return Optional.ofNullable(balancers.get(ProxyConfig.directKey(origin)))
                .map(b -> new Target(b, Targets.pathAfterOrigin(mappedUrl)));
    }
}
