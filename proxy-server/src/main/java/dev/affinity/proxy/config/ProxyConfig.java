package dev.affinity.proxy.config;

import static java.util.Objects.requireNonNull;

import dev.affinity.proxy.balancer.BalancerConfig;
import dev.affinity.proxy.balancer.HealthCheck;
import dev.affinity.proxy.balancer.HealthExpression;
import dev.affinity.proxy.balancer.MemberConfig;
import dev.affinity.proxy.rewrite.CookieRule;
import dev.affinity.proxy.rewrite.ProxyPass;
import dev.affinity.proxy.rewrite.ReverseRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the proxy runs from, built once at startup by {@link ConfigReader} from an httpd-style
 * file or by {@link #builder()} from Java. Nothing reads raw configuration while serving.
 *
 * @param listen        where to accept connections
 * @param serverName    the proxy's own name, if configured
 * @param balancers     the {@code balancer://} balancers by name, and one single-member balancer
 *                      per backend origin that a ProxyPass names directly
 * @param proxyPass     the ProxyPass and ProxyPassMatch rules, in config order
 * @param reverse       ProxyPassReverse rules, balancer URLs expanded to their members
 * @param cookieDomains ProxyPassReverseCookieDomain rules
 * @param cookiePaths   ProxyPassReverseCookiePath rules
 * @param preserveHost  ProxyPreserveHost: send the client's Host header to the backend
 * @param addHeaders    ProxyAddHeaders: send X-Forwarded-For, -Host and -Server
 * @param via           ProxyVia
 * @param timeout       ProxyTimeout: how long to wait for a backend unless its member says otherwise
 * @param healthExpressions the ProxyHCExpr expressions by name, for members' {@code hcexpr}
 * @param traceEnabled  TraceEnable: whether TRACE requests are served (On, extended), or answered 405 (Off)
 */
public record ProxyConfig(List<ListenAddress> listen, Optional<ServerName> serverName,
                          Map<String, BalancerConfig> balancers, List<ProxyPass> proxyPass,
                          List<ReverseRule> reverse, List<CookieRule> cookieDomains, List<CookieRule> cookiePaths,
                          boolean preserveHost, boolean addHeaders, ViaMode via, Duration timeout,
                          Map<String, HealthExpression> healthExpressions, boolean traceEnabled) {

    /** httpd's default for Timeout and so for ProxyTimeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public ProxyConfig {
        listen = List.copyOf(listen);
        requireNonNull(serverName, "serverName");
        balancers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(balancers));
        proxyPass = List.copyOf(proxyPass);
        reverse = List.copyOf(reverse);
        cookieDomains = List.copyOf(cookieDomains);
        cookiePaths = List.copyOf(cookiePaths);
        requireNonNull(via, "via");
        requireNonNull(timeout, "timeout");
        healthExpressions = Map.copyOf(healthExpressions);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The same config listening elsewhere, for {@code --listen}. */
    public ProxyConfig withListen(List<ListenAddress> newListen) {
        return new ProxyConfig(newListen, serverName, balancers, proxyPass, reverse, cookieDomains, cookiePaths,
                preserveHost, addHeaders, via, timeout, healthExpressions, traceEnabled);
    }

    /** The key under which a ProxyPass to a plain URL finds its implicit one-member balancer. */
    public static String directKey(String origin) {
        return origin.toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Builds a ProxyConfig in Java, with the same model and checks the config file gets.
     * Not thread-safe; use it from one thread, then {@link #build()}.
     */
    public static final class Builder {
        private final List<ListenAddress> listen = new ArrayList<>();
        private Optional<ServerName> serverName = Optional.empty();
        private final Map<String, BalancerConfig> balancers = new LinkedHashMap<>();
        private final Map<String, BalancerConfig> direct = new LinkedHashMap<>();
        private final List<ProxyPass> proxyPass = new ArrayList<>();
        private final List<String[]> reverse = new ArrayList<>();
        private final List<CookieRule> cookieDomains = new ArrayList<>();
        private final List<CookieRule> cookiePaths = new ArrayList<>();
        private boolean preserveHost;
        private boolean addHeaders = true;
        private ViaMode via = ViaMode.OFF;
        private Duration timeout = DEFAULT_TIMEOUT;
        private final Map<String, HealthExpression> healthExpressions = new LinkedHashMap<>();
        private boolean traceEnabled = true;

        private Builder() {
        }

        /** Adds an address to listen on; port 0 picks a free one. */
        public Builder listen(String host, int port) {
            listen.add(new ListenAddress(host, port));
            return this;
        }

        public Builder serverName(String name) {
            serverName = Optional.of(ServerName.parse(name));
            return this;
        }

        /** Adds or replaces a {@code balancer://NAME}. */
        public Builder balancer(BalancerConfig balancer) {
            balancers.put(balancer.name(), balancer);
            return this;
        }

        public Optional<BalancerConfig> balancer(String name) {
            return Optional.ofNullable(balancers.get(name.toLowerCase(java.util.Locale.ROOT)));
        }

        /** {@code ProxyPass PATH URL}; URL may be {@code balancer://NAME/...} or {@code http://host:port/...}. */
        public Builder proxyPass(String path, String url) {
            return proxyPass(new ProxyPass(false, path, Optional.of(url), SourceLocation.api()), null);
        }

        /** {@code ProxyPassMatch REGEX URL}, with {@code $1}… substituted. */
        public Builder proxyPassMatch(String regex, String url) {
            return proxyPass(new ProxyPass(true, regex, Optional.of(url), SourceLocation.api()), null);
        }

        /** {@code ProxyPass PATH !}: requests under PATH are not proxied. */
        public Builder noProxy(String path) {
            proxyPass.add(new ProxyPass(false, path, Optional.empty(), SourceLocation.api()));
            return this;
        }

        /**
         * Adds a rule; a plain-URL target gets an implicit one-member balancer for its origin, whose
         * member settings come from {@code directMember} (httpd's ProxyPass worker keys).
         */
        public Builder proxyPass(ProxyPass rule, MemberConfig directMember) {
            rule.target().filter(t -> !t.regionMatches(true, 0, "balancer://", 0, 11)).ifPresent(t -> {
                MemberConfig member = directMember(t, directMember);
                BalancerConfig existing = direct.get(member.origin());
                if (existing != null && !existing.members().get(0).equals(member)) {
                    throw new IllegalArgumentException("backend " + member.origin()
                            + " is already configured with other settings by an earlier ProxyPass");
                }
                // A plain worker is not a balancer: no forced recovery, so its retry window holds as in httpd.
                direct.put(member.origin(), BalancerConfig.named(member.origin()).withMember(member)
                        .with("forcerecovery", "Off"));
            });
            proxyPass.add(rule);
            return this;
        }

        private static MemberConfig directMember(String target, MemberConfig settings) {
            String origin = Targets.origin(target);
            MemberConfig base = MemberConfig.of(origin);
            if (settings == null) {
                return base;
            }
            return new MemberConfig(base.url(), settings.route(), settings.loadFactor(), settings.status(),
                    settings.retry(), settings.timeout(), settings.connectionTimeout(), settings.ttl(), settings.reuse(), settings.lbset(),
                    settings.healthCheck());
        }

        /** {@code ProxyPassReverse PATH URL}; a {@code balancer://NAME/} URL stands for each of its members. */
        public Builder proxyPassReverse(String path, String url) {
            reverse.add(new String[] {path, url});
            return this;
        }

        public Builder proxyPassReverseCookieDomain(String backend, String client) {
            cookieDomains.add(new CookieRule(backend, client));
            return this;
        }

        public Builder proxyPassReverseCookiePath(String backend, String client) {
            cookiePaths.add(new CookieRule(backend, client));
            return this;
        }

        public Builder preserveHost(boolean on) {
            preserveHost = on;
            return this;
        }

        public Builder addHeaders(boolean on) {
            addHeaders = on;
            return this;
        }

        public Builder via(ViaMode mode) {
            via = requireNonNull(mode, "mode");
            return this;
        }

        /** {@code ProxyHCExpr name {expr}}: a named test of a health check's response. */
        public Builder healthExpression(String name, String expression) {
            healthExpressions.put(name, HealthExpression.parse(expression));
            return this;
        }

        /** TraceEnable: false answers every TRACE 405, as httpd's {@code TraceEnable Off} does. */
        public Builder traceEnable(boolean on) {
            traceEnabled = on;
            return this;
        }

        /** ProxyTimeout. */
        public Builder timeout(Duration d) {
            timeout = requireNonNull(d, "timeout");
            return this;
        }

        /**
         * Checks that every balancer a rule names exists and has members.
         *
         * @throws IllegalArgumentException naming what is missing
         */
        public ProxyConfig build() {
            for (BalancerConfig b : balancers.values()) {
                if (b.members().isEmpty()) {
                    throw new IllegalArgumentException("balancer://" + b.name()
                            + " has no members (expected: at least one BalancerMember)");
                }
            }
            for (ProxyPass rule : proxyPass) {
                rule.target().flatMap(Targets::balancerName).ifPresent(name -> {
                    if (!balancers.containsKey(name)) {
                        throw new IllegalArgumentException(rule.where() + ": " + (rule.regex() ? "ProxyPassMatch" : "ProxyPass")
                                + " names balancer://" + name + ", which is not defined (expected one of: "
                                + names() + ")");
                    }
                });
            }
            for (BalancerConfig b : balancers.values()) {
                for (MemberConfig m : b.members()) {
                    m.healthCheck().flatMap(HealthCheck::expr).filter(e -> !healthExpressions.containsKey(e))
                            .ifPresent(e -> {
                                throw new IllegalArgumentException("member " + m.url() + " of balancer://" + b.name()
                                        + " names hcexpr=" + e + ", which no ProxyHCExpr defines (expected one of: "
                                        + (healthExpressions.isEmpty() ? "none defined" : String.join(", ", healthExpressions.keySet())) + ")");
                            });
                }
            }
            Map<String, BalancerConfig> all = new LinkedHashMap<>(balancers);
            direct.forEach((origin, b) -> all.putIfAbsent(directKey(origin), b));
            return new ProxyConfig(listen, serverName, all, proxyPass, expandReverse(), cookieDomains, cookiePaths,
                    preserveHost, addHeaders, via, timeout, healthExpressions, traceEnabled);
        }

        private String names() {
            return balancers.isEmpty() ? "none defined" : balancers.keySet().stream()
                    .map(n -> "balancer://" + n).reduce((a, b) -> a + ", " + b).orElse("");
        }

        /**
         * httpd compares a {@code balancer://NAME/part} reverse URL against each member's URL
         * followed by {@code part}; expanding it here keeps the per-response work a prefix scan.
         */
        private List<ReverseRule> expandReverse() {
            List<ReverseRule> rules = new ArrayList<>();
            for (String[] r : reverse) {
                String path = r[0];
                String url = r[1];
                Optional<String> name = Targets.balancerName(url);
                if (name.isEmpty()) {
                    rules.add(new ReverseRule(path, url));
                    continue;
                }
                BalancerConfig b = balancers.get(name.get());
                if (b == null) {
                    throw new IllegalArgumentException("ProxyPassReverse names balancer://" + name.get()
                            + ", which is not defined (expected one of: " + names() + ")");
                }
                String part = Targets.pathAfterBalancer(url);
                for (MemberConfig m : b.members()) {
                    String base = m.url().toString();
                    base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
                    // http://h:1/ and not http://h:1, which would also match http://h:15/.
                    rules.add(new ReverseRule(path, base + (part.isEmpty() ? "/" : part)));
                }
            }
            return rules;
        }
    }
}
