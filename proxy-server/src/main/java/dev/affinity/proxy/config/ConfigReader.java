package dev.affinity.proxy.config;

import dev.affinity.proxy.balancer.BalancerConfig;
import dev.affinity.proxy.balancer.MemberConfig;
import dev.affinity.proxy.balancer.TimeValues;
import dev.affinity.proxy.rewrite.ProxyPass;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the proxy part of an httpd configuration into a {@link ProxyConfig}, so that the
 * {@code <Proxy balancer://…>} section of an httpd.conf runs unchanged.
 *
 * <p>Proxy directives work as httpd documents them or stop startup with {@code FILE:LINE: what
 * (expected: …)}. Directives of other httpd modules (LoadModule, User, DocumentRoot, …) are accepted
 * and ignored with one INFO line each, unless their name is a near miss of a proxy directive.
 */
public final class ConfigReader {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReader.class);

    private final String file;
    private final ProxyConfig.Builder builder = ProxyConfig.builder();
    private final Map<String, BalancerConfig> balancers = new LinkedHashMap<>();
    /** Where a {@code <Proxy>}, BalancerMember or ProxySet first defined each balancer, to report it there. */
    private final Map<String, SourceLocation> definedAt = new LinkedHashMap<>();
    /** The first ProxyPass(Match) or ProxyPassReverse naming each balancer, to report an undefined one there. */
    private final Map<String, Directive> namedBy = new LinkedHashMap<>();
    private Optional<java.time.Duration> proxyTimeout = Optional.empty();
    private Optional<java.time.Duration> coreTimeout = Optional.empty();
    private SourceLocation virtualHost;

    private ConfigReader(String file) {
        this.file = file;
    }

    /** Reads a config file; every problem is a {@link ConfigException} naming file and line. */
    public static ProxyConfig read(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException(path + ": no such file (expected: an httpd-style config file)");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new ConfigException(path + ": permission denied");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ConfigException(path + ": cannot read: " + e.getMessage());
        }
        return parse(path.toString(), text);
    }

    /** Reads config text, naming it {@code file} in messages. */
    public static ProxyConfig parse(String file, String text) {
        ConfigReader reader = new ConfigReader(file);
        List<Directive> directives = new ConfigLexer(file).read(text);
        reader.all(directives);
        // The last line: without -1, split drops the empty string after a final newline.
        return reader.finish(new SourceLocation(file, Math.max(1, text.split("\r?\n").length)));
    }

    private void all(List<Directive> directives) {
        for (Directive d : directives) {
            try {
                one(d);
            } catch (IllegalArgumentException e) {
                throw d.error(e.getMessage());
            }
        }
    }

    private void one(Directive d) {
        if (d.section()) {
            section(d);
            return;
        }
        switch (d.lowerName()) {
            case "proxypass" -> proxyPass(d, false);
            case "proxypassmatch" -> proxyPass(d, true);
            case "proxypassreverse" -> proxyPassReverse(d);
            case "proxypassreversecookiedomain" -> cookieRule(d, true);
            case "proxypassreversecookiepath" -> cookieRule(d, false);
            case "balancermember" -> balancerMember(d, null);
            case "proxyset" -> proxySet(d, null);
            case "proxypreservehost" -> builder.preserveHost(onOff(d));
            case "traceenable" -> builder.traceEnable(traceEnable(d));
            case "proxyaddheaders" -> builder.addHeaders(onOff(d));
            case "proxyvia" -> builder.via(ViaMode.parse(single(d, "On|Off|Full|Block")));
            case "proxytimeout" -> proxyTimeout = Optional.of(TimeValues.parsePositiveSeconds("ProxyTimeout", single(d, "SECONDS")));
            case "timeout" -> coreTimeout = Optional.of(positive(TimeValues.parse("Timeout", single(d, "SECONDS"))));
            case "proxyhcexpr" -> {
                // httpd reads the expression as the raw rest of the line.
                if (d.args().size() < 2) {
                    throw d.error("ProxyHCExpr takes a name and an expression (expected: ProxyHCExpr ok234 {%{REQUEST_STATUS} =~ /^[234]/})");
                }
                builder.healthExpression(d.args().get(0), String.join(" ", d.args().subList(1, d.args().size())));
            }
            case "proxyrequests" -> {
                if (onOff(d)) {
                    throw d.error("ProxyRequests On makes a forward proxy, which Affinity never is (expected: ProxyRequests Off)");
                }
            }
            case "listen" -> listen(d);
            case "servername" -> builder.serverName(single(d, "[scheme://]host[:port]"));
            default -> ForeignDirectives.check(d);
        }
    }

    private void section(Directive d) {
        switch (d.lowerName()) {
            case "proxy" -> proxySection(d);
            case "virtualhost" -> {
                if (virtualHost != null) {
                    throw d.error("a second <VirtualHost>: Affinity serves one site (the first is at " + virtualHost
                            + "; expected: the proxy directives of one site)");
                }
                virtualHost = d.where();
                LOG.info("{}: <VirtualHost {}>: its directives apply to the whole proxy", d.where(), String.join(" ", d.args()));
                all(d.children());
            }
            case "ifmodule" -> {
                if (!d.args().isEmpty() && d.args().get(0).startsWith("!")) {
                    LOG.info("{}: <IfModule {}> skipped: Affinity has the modules a proxy config tests for", d.where(), d.args().get(0));
                } else {
                    all(d.children());
                }
            }
            default -> {
                Optional<Directive> proxyInside = ForeignDirectives.firstUnignorable(d);
                if (proxyInside.isPresent()) {
                    throw proxyInside.get().error(proxyInside.get().name() + " inside <" + d.name()
                            + "> is not supported: Affinity cannot apply it to proxied requests (expected: proxy "
                            + "directives at top level, in <VirtualHost> or in <Proxy balancer://NAME>)");
                }
                LOG.info("{}: <{}> ignored: not a proxy section", d.where(), d.name());
            }
        }
    }

    private void proxySection(Directive d) {
        if (d.args().size() != 1) {
            throw d.error("<Proxy> takes one URL (expected: <Proxy balancer://NAME>)");
        }
        String url = d.args().get(0);
        Optional<String> name = Targets.balancerName(url);
        if (name.isPresent() && !Targets.pathAfterBalancer(url).replace("/", "").isEmpty()) {
            throw d.error("<Proxy " + url + "> has a path (expected: <Proxy balancer://NAME>)");
        }
        name.ifPresent(n -> definedAt.putIfAbsent(n, d.where()));
        for (Directive inner : d.children()) {
            try {
                if (inner.section()) {
                    throw inner.error("<" + inner.name() + "> inside <Proxy> is not supported");
                } else if (inner.is("BalancerMember") && name.isPresent()) {
                    balancerMember(inner, name.get());
                } else if (inner.is("ProxySet") && name.isPresent()) {
                    proxySet(inner, name.get());
                } else if (ForeignDirectives.isOpenAccess(inner, d.children())) {
                    LOG.info("{}: {} ignored: Affinity does not restrict access", inner.where(), inner.name());
                } else {
                    throw inner.error(inner.name() + " inside <Proxy " + url + "> is not supported (expected: "
                            + (name.isPresent() ? "BalancerMember, ProxySet, " : "") + "Require all granted)");
                }
            } catch (IllegalArgumentException e) {
                throw inner.error(e.getMessage());
            }
        }
        if (name.isEmpty()) {
            LOG.info("{}: <Proxy {}> holds only access directives: ignored", d.where(), url);
        } else {
            balancers.computeIfAbsent(name.get(), BalancerConfig::named);
        }
    }

    private void proxyPass(Directive d, boolean regex) {
        String syntax = regex ? "ProxyPassMatch REGEX URL|! [key=value ...]" : "ProxyPass PATH URL|! [key=value ...]";
        if (d.args().size() < 2) {
            throw d.error(d.name() + " needs a " + (regex ? "regex" : "path") + " and a URL (expected: " + syntax + ")");
        }
        String pattern = d.args().get(0);
        String url = d.args().get(1);
        if (url.equals("!")) {
            if (d.args().size() > 2) {
                throw d.error(d.name() + " " + pattern + " ! takes no keys (expected: " + syntax + ")");
            }
            builder.proxyPass(new ProxyPass(regex, pattern, Optional.empty(), d.where()), null);
            return;
        }
        Optional<String> balancer = Targets.balancerName(url);
        balancer.ifPresent(n -> namedBy.putIfAbsent(n, d));
        MemberConfig direct = balancer.isPresent() ? null : MemberConfig.of(Targets.origin(url));
        BalancerConfig settings = balancer.map(n -> balancers.computeIfAbsent(n, BalancerConfig::named)).orElse(null);
        for (String kv : d.args().subList(2, d.args().size())) {
            String[] pair = keyValue(d, kv);
            if (balancer.isPresent()) {
                settings = settings.with(pair[0], pair[1]);
            } else {
                direct = direct.with(pair[0], pair[1]);
            }
        }
        if (balancer.isPresent()) {
            balancers.put(balancer.get(), settings);
        }
        if (!regex && pattern.endsWith("/") != url.endsWith("/")) {
            LOG.warn("{}: {} {} {}: one ends with '/' and the other does not, so mapped paths may lose or gain a "
                    + "slash (httpd's documentation asks for both or neither)", d.where(), d.name(), pattern, url);
        }
        builder.proxyPass(new ProxyPass(regex, pattern, Optional.of(url), d.where()), direct);
    }

    private void proxyPassReverse(Directive d) {
        if (d.args().size() != 2) {
            throw d.error("ProxyPassReverse needs a path and a URL (expected: ProxyPassReverse PATH URL)");
        }
        Targets.balancerName(d.args().get(1)).ifPresent(n -> namedBy.putIfAbsent(n, d));
        builder.proxyPassReverse(d.args().get(0), d.args().get(1));
    }

    private void cookieRule(Directive d, boolean domain) {
        if (d.args().size() != 2) {
            throw d.error(d.name() + " needs two values (expected: " + d.name()
                    + (domain ? " BACKEND-DOMAIN PUBLIC-DOMAIN)" : " BACKEND-PATH PUBLIC-PATH)"));
        }
        if (domain) {
            builder.proxyPassReverseCookieDomain(d.args().get(0), d.args().get(1));
        } else {
            builder.proxyPassReverseCookiePath(d.args().get(0), d.args().get(1));
        }
    }

    private void balancerMember(Directive d, String sectionBalancer) {
        Scoped scoped = scoped(d, sectionBalancer, "URL [key=value ...]");
        if (scoped.args().isEmpty()) {
            throw d.error("BalancerMember needs a URL (expected: BalancerMember URL [key=value ...])");
        }
        MemberConfig member = MemberConfig.of(scoped.args().get(0));
        for (String kv : scoped.args().subList(1, scoped.args().size())) {
            String[] pair = keyValue(d, kv);
            member = member.with(pair[0], pair[1]);
        }
        balancers.put(scoped.balancer(), balancer(scoped.balancer(), d).withMember(member));
        LOG.debug("{}: balancer://{} member {}", d.where(), scoped.balancer(), member);
    }

    private void proxySet(Directive d, String sectionBalancer) {
        Scoped scoped = scoped(d, sectionBalancer, "key=value ...");
        if (scoped.args().isEmpty()) {
            throw d.error("ProxySet needs at least one key=value (expected: ProxySet key=value ...)");
        }
        BalancerConfig b = balancer(scoped.balancer(), d);
        for (String kv : scoped.args()) {
            String[] pair = keyValue(d, kv);
            b = b.with(pair[0], pair[1]);
        }
        balancers.put(scoped.balancer(), b);
    }

    /** A directive's balancer and the arguments that follow it. */
    private record Scoped(String balancer, List<String> args) {
    }

    /**
     * Inside {@code <Proxy balancer://NAME>} the section names the balancer; outside, httpd wants the
     * balancer URL as the first argument.
     */
    private static Scoped scoped(Directive d, String sectionBalancer, String syntax) {
        if (sectionBalancer != null) {
            return new Scoped(sectionBalancer, d.args());
        }
        Optional<String> first = d.args().isEmpty() ? Optional.empty() : Targets.balancerName(d.args().get(0));
        if (first.isEmpty()) {
            throw d.error(d.name() + " outside <Proxy balancer://NAME> must name its balancer first (expected: "
                    + d.name() + " balancer://NAME " + syntax + ")");
        }
        return new Scoped(first.get(), d.args().subList(1, d.args().size()));
    }

    /** The balancer so far, remembering where it was first named for later messages. */
    private BalancerConfig balancer(String name, Directive d) {
        definedAt.putIfAbsent(name, d.where());
        return balancers.computeIfAbsent(name, BalancerConfig::named);
    }

    private void listen(Directive d) {
        if (d.args().isEmpty() || d.args().size() > 2) {
            throw d.error("Listen takes an address (expected: Listen [HOST:]PORT [http])");
        }
        if (d.args().size() == 2 && !d.args().get(1).equalsIgnoreCase("http")) {
            throw d.error("Listen protocol '" + d.args().get(1) + "' is not supported (expected: http)");
        }
        ListenAddress address = ListenAddress.parse(d.args().get(0));
        builder.listen(address.host(), address.port());
    }

    private static String[] keyValue(Directive d, String kv) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
            String hint = kv.startsWith("#") ? "; httpd has no trailing comments, put it on its own line" : "";
            throw d.error("'" + kv + "' is not key=value (expected: key=value, e.g. route=node1" + hint + ")");
        }
        return new String[] {kv.substring(0, eq), kv.substring(eq + 1)};
    }

    private static java.time.Duration positive(java.time.Duration timeout) {
        if (timeout.isZero()) {
            throw new IllegalArgumentException("Timeout 0 (expected: more than 0, e.g. Timeout 60)");
        }
        return timeout;
    }

    private static String single(Directive d, String expected) {
        if (d.args().size() != 1) {
            throw d.error(d.name() + " takes one value (expected: " + d.name() + " " + expected + ")");
        }
        return d.args().get(0);
    }

    /** httpd's TraceEnable: On and extended serve TRACE (a proxied one may carry a body either way), Off refuses it. */
    private static boolean traceEnable(Directive d) {
        String value = single(d, "On|Off|extended");
        if (value.equalsIgnoreCase("off")) {
            return false;
        }
        if (value.equalsIgnoreCase("on") || value.equalsIgnoreCase("extended")) {
            return true;
        }
        throw d.error("TraceEnable '" + value + "' (expected: On, Off or extended)");
    }

    private static boolean onOff(Directive d) {
        String value = single(d, "On|Off");
        if (value.equalsIgnoreCase("on")) {
            return true;
        }
        if (value.equalsIgnoreCase("off")) {
            return false;
        }
        throw d.error(d.name() + " '" + value + "' (expected: On or Off)");
    }

    private ProxyConfig finish(SourceLocation end) {
        checkBalancers();
        balancers.values().forEach(builder::balancer);
        builder.timeout(proxyTimeout.or(() -> coreTimeout).orElse(ProxyConfig.DEFAULT_TIMEOUT));
        try {
            ProxyConfig config = builder.build();
            if (config.proxyPass().isEmpty()) {
                throw new ConfigException(end, "no ProxyPass or ProxyPassMatch: nothing would be proxied "
                        + "(expected e.g. ProxyPass / balancer://mycluster/)");
            }
            return config;
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            return fail(message.startsWith(file + ":") ? message : end + ": " + message);
        }
    }

    /**
     * The builder would find these too, but only the reader knows the line: a ProxyPass(Match) or
     * ProxyPassReverse names a balancer no BalancerMember defines (typically a typo), or a balancer
     * was defined without members.
     */
    private void checkBalancers() {
        for (Map.Entry<String, Directive> named : namedBy.entrySet()) {
            String name = named.getKey();
            if (!definedAt.containsKey(name)) {
                throw named.getValue().error(named.getValue().name() + " names balancer://" + name
                        + ", which is not defined (expected one of: " + definedNames() + ")");
            }
        }
        for (BalancerConfig b : balancers.values()) {
            if (b.members().isEmpty()) {
                throw new ConfigException(definedAt.get(b.name()), "balancer://" + b.name()
                        + " has no members (expected: at least one BalancerMember)");
            }
        }
    }

    private String definedNames() {
        List<String> names = definedAt.keySet().stream().map(n -> "balancer://" + n).toList();
        return names.isEmpty() ? "none defined" : String.join(", ", names);
    }

    private static ProxyConfig fail(String message) {
        throw new ConfigException(message);
    }
}
