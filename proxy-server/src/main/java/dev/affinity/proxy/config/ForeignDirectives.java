package dev.affinity.proxy.config;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to the directives of an httpd.conf that are not the proxy's: most are accepted and
 * ignored with one INFO line, so a pasted file runs; a near miss of a proxy directive is taken for
 * a typo; proxy directives Affinity lacks, and directives whose absence would change the proxied
 * traffic, stop startup.
 */
final class ForeignDirectives {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReader.class);

    /** The directives this reader implements, for messages and near-miss detection. */
    static final List<String> SUPPORTED = List.of("ProxyPass", "ProxyPassMatch", "ProxyPassReverse",
            "ProxyPassReverseCookieDomain", "ProxyPassReverseCookiePath", "BalancerMember", "ProxySet",
            "ProxyPreserveHost", "ProxyAddHeaders", "ProxyVia", "ProxyTimeout", "ProxyRequests", "Listen",
            "ServerName", "Timeout", "ProxyHCExpr", "TraceEnable", "<Proxy>");

    /** Access directives that, inside {@code <Proxy>}, only grant what Affinity grants anyway. */
    private static final Set<String> OPEN_ACCESS = Set.of("require all granted", "allow from all", "satisfy any");
    /** Order alone denies (allow,deny) or allows (deny,allow) by default; with Allow from all it grants all. */
    private static final Set<String> ORDER = Set.of("order allow,deny", "order deny,allow");

    /** Directives of other modules that would change proxied traffic if they were honoured. */
    private static final Set<String> WOULD_CHANGE_TRAFFIC = Set.of("header", "requestheader", "rewriterule",
            "rewritecond", "rewriteengine", "sslproxyengine");

    private ForeignDirectives() {
    }

    /** Accepts and logs a directive that is not the proxy's, or refuses it with the reason. */
    static void check(Directive d) {
        String lower = d.lowerName();
        // A typo first: BalancerMembr is also of the proxy family, but "did you mean" is the useful answer.
        Optional<String> nearMiss = nearMiss(d.name());
        if (nearMiss.isPresent()) {
            throw d.error("unknown directive " + d.name() + " (did you mean " + nearMiss.get() + "?)");
        }
        if (isProxyFamily(d.name())) {
            throw d.error("directive " + d.name() + " is not supported (expected one of: " + String.join(", ", SUPPORTED) + ")");
        }
        if (WOULD_CHANGE_TRAFFIC.contains(lower)) {
            throw d.error(d.name() + " is not supported: ignoring it would change what the proxy sends "
                    + "(expected: remove it, or keep this traffic on httpd)");
        }
        LOG.info("{}: {} ignored: not a proxy directive", d.where(), d.name());
    }

    private static boolean isProxyFamily(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.startsWith("proxy") || lower.startsWith("balancer");
    }

    /** A supported directive within two edits of {@code name}, which is then taken for a typo. */
    static Optional<String> nearMiss(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String known : SUPPORTED) {
            String k = known.replace("<", "").replace(">", "").toLowerCase(Locale.ROOT);
            if (k.length() > 6 && editDistance(lower, k) <= 2) {
                return Optional.of(known);
            }
        }
        return Optional.empty();
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * Whether a directive inside {@code <Proxy>} only grants what Affinity grants anyway. An
     * {@code Order} line counts only next to {@code Allow from all}: alone, {@code Order allow,deny}
     * denies every request in httpd.
     */
    static boolean isOpenAccess(Directive d, List<Directive> siblings) {
        String line = normalized(d);
        if (ORDER.contains(line)) {
            return siblings.stream().anyMatch(s -> normalized(s).equals("allow from all"));
        }
        return OPEN_ACCESS.contains(line);
    }

    private static String normalized(Directive d) {
        String line = (d.name() + " " + String.join(" ", d.args())).toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        return line.replace(", ", ",").strip();
    }

    /**
     * Sections whose directives apply to proxied URLs: a traffic-changing directive inside them
     * cannot be ignored. {@code <Directory>} and {@code <Files>} apply to files, which Affinity never serves.
     */
    private static final Set<String> URL_SECTIONS = Set.of("location", "locationmatch", "if", "elseif", "else",
            "proxymatch");

    /** The first directive in an ignored section that cannot be ignored, if any. */
    static Optional<Directive> firstUnignorable(Directive section) {
        return firstUnignorable(section, false);
    }

    /** A section inside a URL section applies to URLs too, however deep it is nested. */
    private static Optional<Directive> firstUnignorable(Directive section, boolean insideUrlSection) {
        boolean urlScoped = insideUrlSection || URL_SECTIONS.contains(section.lowerName());
        for (Directive d : section.children()) {
            if (isProxyFamily(d.name()) || (urlScoped && WOULD_CHANGE_TRAFFIC.contains(d.lowerName()))) {
                return Optional.of(d);
            }
            Optional<Directive> nested = d.section() ? firstUnignorable(d, urlScoped) : Optional.empty();
            if (nested.isPresent()) {
                return nested;
            }
        }
        return Optional.empty();
    }
}
