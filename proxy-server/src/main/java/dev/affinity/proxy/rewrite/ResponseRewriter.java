package dev.affinity.proxy.rewrite;

import java.util.List;
import java.util.Locale;

/**
 * Thread-safe (immutable). Answers "what does the client see?" for the response headers that name
 * the backend: ProxyPassReverse on Location, Content-Location and URI, ProxyPassReverseCookieDomain
 * and ProxyPassReverseCookiePath on Set-Cookie.
 */
public final class ResponseRewriter {

    private final List<ReverseRule> reverse;
    private final List<CookieRule> cookieDomains;
    private final List<CookieRule> cookiePaths;

    public ResponseRewriter(List<ReverseRule> reverse, List<CookieRule> cookieDomains, List<CookieRule> cookiePaths) {
        this.reverse = List.copyOf(reverse);
        this.cookieDomains = List.copyOf(cookieDomains);
        this.cookiePaths = List.copyOf(cookiePaths);
    }

    public boolean rewritesUrls() {
        return !reverse.isEmpty();
    }

    public boolean rewritesCookies() {
        return !cookieDomains.isEmpty() || !cookiePaths.isEmpty();
    }

    /**
     * httpd's ap_proxy_location_reverse_map: the first rule whose backend URL prefixes the value
     * (scheme and host case-insensitive) replaces that prefix by its path, made absolute with the
     * client's origin. {@code ProxyPassReverse / http://127.0.0.1:9001/} turns
     * {@code http://127.0.0.1:9001/welcome} into {@code http://proxy.example:8080/welcome}.
     * A rule whose URL is a path ({@code /backend/}) applies to the path of the value.
     */
    public String url(String value, ClientOrigin origin) {
        for (ReverseRule rule : reverse) {
            String part = rule.url().startsWith("/") ? pathOf(value) : value;
            // http://h:1/ also stands for the bare http://h:1, never for http://h:15/.
            boolean bare = rule.url().endsWith("/") && part.length() == rule.url().length() - 1
                    && part.regionMatches(true, 0, rule.url(), 0, part.length());
            if (bare || part.regionMatches(true, 0, rule.url(), 0, rule.url().length())) {
                String rest = bare ? "" : part.substring(rule.url().length());
                String mapped = rule.path().endsWith("/") && rest.startsWith("/")
                        ? rule.path() + rest.substring(1)
                        : rule.path() + rest;
                return isAbsolute(mapped) ? mapped : origin.baseUrl() + mapped;
            }
        }
        return value;
    }

    /**
     * Rewrites the Domain and Path attributes of one Set-Cookie value, leaving every other byte as
     * the backend wrote it. As httpd documents it, a matching attribute is replaced by the public
     * value: a path that starts with the backend path ({@code /app} matches {@code /app/x}) becomes
     * the public path. Domains match whole and case-insensitively, where httpd matches a prefix and
     * so would also rewrite {@code 127.0.0.1019} for {@code 127.0.0.1}.
     */
    public String setCookie(String value) {
        if (!rewritesCookies()) {
            return value;
        }
        String[] parts = value.split(";", -1);
        boolean changed = false;
        for (int i = 1; i < parts.length; i++) {
            String rewritten = attribute(parts[i]);
            if (rewritten != null) {
                parts[i] = rewritten;
                changed = true;
            }
        }
        return changed ? String.join(";", parts) : value;
    }

    /** One {@code name=value} attribute with its surrounding blanks, rewritten, or null if it stays. */
    private String attribute(String attribute) {
        int eq = attribute.indexOf('=');
        if (eq < 0) {
            return null;
        }
        String name = attribute.substring(0, eq).strip();
        String rawValue = attribute.substring(eq + 1);
        String value = rawValue.strip();
        String replacement = null;
        if (name.equalsIgnoreCase("domain")) {
            replacement = domain(value);
        } else if (name.equalsIgnoreCase("path")) {
            replacement = path(value);
        }
        if (replacement == null) {
            return null;
        }
        int valueStart = eq + 1 + rawValue.indexOf(value);
        return attribute.substring(0, valueStart) + replacement + attribute.substring(valueStart + value.length());
    }

    private String domain(String domain) {
        for (CookieRule rule : cookieDomains) {
            if (domain.equalsIgnoreCase(rule.backend())) {
                return rule.client();
            }
        }
        return null;
    }

    private String path(String path) {
        for (CookieRule rule : cookiePaths) {
            if (path.startsWith(rule.backend())) {
                return rule.client();
            }
        }
        return null;
    }

    /** The path and what follows it in an absolute URL; the value itself when it is not absolute. */
    private static String pathOf(String url) {
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            return url;
        }
        int slash = url.indexOf('/', scheme + 3);
        return slash < 0 ? url : url.substring(slash);
    }

    private static boolean isAbsolute(String url) {
        int colon = url.indexOf("://");
        if (colon <= 0) {
            return false;
        }
        for (int i = 0; i < colon; i++) {
            char c = url.charAt(i);
            if (!Character.isLetterOrDigit(c) && c != '+' && c != '-' && c != '.') {
                return false;
            }
        }
        return true;
    }
}
